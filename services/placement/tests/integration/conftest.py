import pytest


@pytest.fixture
def everyone(issuer):
    """One token with the labour office's and a participant's roles: these
    tests are about the placement rules; who may do what is tested in tests/authz."""
    return issuer.token(roles=["operator", "monitoring_officer", "participant",
                               "platform_operator"], agency="DISNAKER-3204",
                        name="Uji Penempatan")
