"""`make bench-import`: a 10,000-row participant import through the enrollment service, on the
real servers, next to a baseline measured in the same run.

The baseline is the least any import must do per row on the same MongoDB-wire server: one
insert_one of a participant-sized document. The ratio (import rows/s over baseline rows/s)
is the figure to compare across machines; raw rows/s vary with the machine's load.

    python -m kompeten_deploy.bench_import [ROWS]
"""

import json
import sys
import time
import uuid
from datetime import date, timedelta
from pathlib import Path

from pymongo import MongoClient

from . import servers
from .stack import Stack

WORDING = {"certification": "Saya setuju data saya diproses untuk sertifikasi.",
           "partner_sharing": "Saya setuju data saya dibagikan kepada perusahaan mitra."}


def write_csv(path: Path, rows: int) -> None:
    """Generated people (never real): unique NIKs from birth date, sex, district and serial."""
    lines = ["nik,name,sex,birth_date,phone,consent_certification,consent_partner_sharing"]
    for i in range(rows):
        born = date(1975, 1, 1) + timedelta(days=i % 10_000)
        sex = "F" if i % 2 else "M"
        day = born.day + (40 if sex == "F" else 0)
        nik = f"3204{i % 30 + 1:02d}{day:02d}{born.month:02d}{born.year % 100:02d}" \
              f"{i // 10_000 + 1:04d}"
        lines.append(f"{nik},Peserta {i},{sex},{born.isoformat()},0812{i:08d},ya,ya")
    path.write_text("\n".join(lines) + "\n")


def baseline(mongo_uri: str, database: str, rows: int) -> float:
    client = MongoClient(mongo_uri)
    collection = client[database].baseline
    doc = {"nik_digest": "0" * 64, "nik_masked": "3204********0001", "name": "Peserta",
           "sex": "F", "birth_date": "1995-08-17", "regency_code": "3204",
           "phone": "081234567890", "consents": [{"purpose": "certification"}] * 2}
    started = time.perf_counter()
    for i in range(rows):
        collection.insert_one({**doc, "_id": i})
    elapsed = time.perf_counter() - started
    client.drop_database(database)
    client.close()
    return rows / elapsed


def main(rows: int = 10_000) -> int:
    from kompeten_enrollment.cli import enrollment_api, import_file

    found = servers.ensure()
    prefix = f"bench_{uuid.uuid4().hex[:8]}"
    work = servers.STATE / "bench"
    work.mkdir(parents=True, exist_ok=True)
    sheet = work / f"import-{rows}.csv"
    write_csv(sheet, rows)
    with servers.isolated_vhost(found, "kompeten-bench") as amqp_uri:
        stack = Stack(found, database_prefix=prefix, log_dir=work, amqp_uri=amqp_uri)
        try:
            stack.start("enrollment")
            api = enrollment_api(stack.url("enrollment"))
            today = date.today()
            programme = api("POST", "/programmes", {
                "title": "Benchmark intake", "kind": "certification_only",
                "organiser": "Disnaker", "scheme_code": "GAR-OMP", "venue": "BLKI",
                "region_code": "3204", "start_date": today.isoformat(),
                "end_date": today.isoformat(), "capacity": rows})
            started = time.perf_counter()
            results = import_file(api, sheet, programme["id"], wording=WORDING)
            elapsed = time.perf_counter() - started
        finally:
            stack.stop()
            client = MongoClient(found.mongo_uri)
            client.drop_database(stack.database("enrollment"))
            client.close()
    enrolled = sum(r.get("enrolment") == "enrolled" for r in results)
    if enrolled != rows:
        print(f"only {enrolled} of {rows} rows enrolled", file=sys.stderr)
        return 1
    import_rate = rows / elapsed
    base_rate = baseline(found.mongo_uri, f"{prefix}_baseline", rows)
    figures = {"rows": rows, "seconds": round(elapsed, 2),
               "import_rows_per_second": round(import_rate, 1),
               "baseline_inserts_per_second": round(base_rate, 1),
               "ratio_to_baseline": round(import_rate / base_rate, 4)}
    print(f"import: {rows} rows in {elapsed:.1f} s = {import_rate:.0f} rows/s")
    print(f"baseline (one insert_one per row, same server): {base_rate:.0f} rows/s")
    print(f"ratio import/baseline: {import_rate / base_rate:.3f}")
    (work / "import.json").write_text(json.dumps(figures, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1]) if len(sys.argv) > 1 else 10_000))
