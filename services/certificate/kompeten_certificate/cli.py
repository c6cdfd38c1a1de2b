"""`kompeten-certificate keys ...`: the operator's hand on the issuer's signing keys.

    kompeten-certificate keys list   --dir /run/secrets/kompeten-certificate-keys
    kompeten-certificate keys new    --dir ...   # rotate: new certificates use the new key
    kompeten-certificate keys retire KID --dir ...  # drop a private part; still published
"""

import click

from .keystore import KeyStore

DIR = click.option("--dir", "directory", envvar="CERTIFICATE_KEYS_DIR", required=True,
                   type=click.Path(file_okay=False),
                   help="the key directory (env CERTIFICATE_KEYS_DIR)")


@click.group()
def main():
    """Kompeten certificate service administration."""


@main.group()
def keys():
    """The issuer's signing keys (Ed25519), one file each, outside the database."""


@keys.command("list")
@DIR
def list_keys(directory):
    store = KeyStore(directory)
    signer = store.signing_key().kid if any(k.private_jwk for k in store.keys()) else None
    for key in store.keys():
        state = "signing" if key.kid == signer else "active" if key.private_jwk else "retired"
        click.echo(f"{key.kid}  {key.created_at:%Y-%m-%d %H:%M}  {state}")


@keys.command("new")
@DIR
def new_key(directory):
    """Rotate: every instance signs with the new key from its next certificate on."""
    key = KeyStore(directory).new()
    click.echo(f"{key.kid}  created; it signs from now on, older keys stay published")


# A kid is a JWK thumbprint (base64url), so one in 64 starts with "-": take it as the KID,
# not as an unknown option.
@keys.command("retire", context_settings={"ignore_unknown_options": True})
@click.argument("kid")
@DIR
def retire_key(kid, directory):
    """Delete a key's private part (a suspected leak, or end of use); its certificates still
    verify. Rotate first if it is the signing key."""
    store = KeyStore(directory)
    if store.keys() and store.signing_key().kid == kid and \
            sum(1 for k in store.keys() if k.private_jwk) == 1:
        raise click.ClickException(f"{kid} is the only signing key: run `keys new` first")
    try:
        store.retire(kid)
    except KeyError as exc:
        raise click.ClickException(str(exc.args[0])) from None
    click.echo(f"{kid}  retired: signs nothing new, still published for verification")
