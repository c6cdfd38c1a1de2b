"""The plug-in: a few lines on the partner SDK.

    AMQP_URI=amqp://partner-maju-jahit:...@broker/kompeten garment-invitations run
    garment-invitations list
"""

import argparse
import json
import logging
import os
import sys
from pathlib import Path

from kompeten_shared.partner import Partner

from .invitations import Invitations


def build(amqp_uri: str, state_dir: Path, name: str) -> Partner:
    partner = Partner(name, amqp_uri, state_dir)
    invitations = Invitations(state_dir / "invitations.sqlite")

    @partner.on("offer.made")
    def invite(event):
        at = invitations.invite(event.data)
        logging.info("offer %s: interview invitation for %s", event.data["offer_id"], at)

    return partner


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Interview invitations for our offers")
    parser.add_argument("command", choices=["run", "list"])
    parser.add_argument("--state", default=os.environ.get("GARMENT_STATE", "state"))
    parser.add_argument("--name", default=os.environ.get("PARTNER_NAME", "maju-jahit"))
    args = parser.parse_args(argv)
    state = Path(args.state)
    if args.command == "list":
        print(json.dumps(Invitations(state / "invitations.sqlite").all(), indent=2))
        return 0
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    amqp_uri = os.environ.get("AMQP_URI")
    if not amqp_uri:
        print("AMQP_URI is required: the partner user's broker address", file=sys.stderr)
        return 2
    build(amqp_uri, state, args.name).run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
