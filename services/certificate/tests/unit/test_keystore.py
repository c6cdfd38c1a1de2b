"""Signing keys in files outside the database: rotation, retirement, and what an operator
sees when something is wrong."""

import json
import stat
from datetime import UTC, datetime, timedelta

import pytest
from click.testing import CliRunner
from kompeten_certificate.cli import main
from kompeten_certificate.keystore import KeyStore, NoSigningKey

T0 = datetime(2026, 11, 24, 8, tzinfo=UTC)


def test_keys_are_private_files_and_the_newest_signs(tmp_path):
    store = KeyStore(tmp_path / "keys")
    first = store.ensure_one()
    assert store.ensure_one() is None  # one is enough for a new installation
    path = tmp_path / "keys" / f"{first.kid}.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "keys").stat().st_mode) == 0o700
    second = store.new(datetime.now(UTC) + timedelta(seconds=1))
    assert store.signing_key().kid == second.kid
    assert [k["kid"] for k in store.public_jwks()] == [first.kid, second.kid]
    assert all("d" not in k for k in store.public_jwks())


def test_another_instance_sees_a_new_key_without_a_restart(tmp_path):
    running, operator = KeyStore(tmp_path), KeyStore(tmp_path)
    running.new(T0)
    before = running.signing_key().kid
    rotated = operator.new(T0 + timedelta(days=1))
    assert before != rotated.kid and running.signing_key().kid == rotated.kid


def test_a_retired_key_stays_published_but_signs_nothing(tmp_path):
    store = KeyStore(tmp_path)
    old = store.new(T0)
    new = store.new(T0 + timedelta(days=1))
    store.retire(new.kid)
    assert store.signing_key().kid == old.kid
    assert json.loads((tmp_path / f"{new.kid}.json").read_text())["private_jwk"] is None
    assert new.kid in [k["kid"] for k in store.public_jwks()]
    store.retire(old.kid)
    with pytest.raises(NoSigningKey, match="keys new"):
        store.signing_key()


def test_the_cli_refuses_to_retire_the_only_signing_key(tmp_path):
    runner = CliRunner()
    created = runner.invoke(main, ["keys", "new", "--dir", str(tmp_path)])
    kid = created.output.split()[0]
    refused = runner.invoke(main, ["keys", "retire", kid, "--dir", str(tmp_path)])
    assert refused.exit_code == 1 and "only signing key" in refused.output
    unknown = runner.invoke(main, ["keys", "retire", "nope", "--dir", str(tmp_path)])
    assert unknown.exit_code == 1 and "no key nope" in unknown.output
    listed = runner.invoke(main, ["keys", "list", "--dir", str(tmp_path)])
    assert listed.output.split()[0] == kid and listed.output.split()[-1] == "signing"


def test_the_cli_retires_a_key_whose_kid_starts_with_a_dash(tmp_path):
    store = KeyStore(tmp_path)
    store.new(T0)
    dashed = next(key for key in iter(lambda: store.new(T0), None) if key.kid.startswith("-"))
    retired = CliRunner().invoke(main, ["keys", "retire", dashed.kid, "--dir", str(tmp_path)])
    assert retired.exit_code == 0, retired.output
    assert json.loads((tmp_path / f"{dashed.kid}.json").read_text())["private_jwk"] is None
