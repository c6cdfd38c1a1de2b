"""A sign-in slip a person can type from paper, meeting the realm's password policy."""

from kompeten_console import accounts


def test_a_temporary_password_is_long_enough_and_typeable_from_paper():
    passwords = {accounts.temporary_password() for _ in range(200)}
    assert len(passwords) == 200  # random each time
    for password in passwords:
        groups = password.split("-")
        assert len(password) == 14 >= 12 and [len(g) for g in groups] == [4, 4, 4]
        assert set("".join(groups)) <= set(accounts.TYPEABLE)
        assert not set(password) & set("0o1il")  # nothing mistaken for another on a slip


def test_a_username_is_short_and_the_same_for_the_same_participant():
    pid = "3f2c9a1b-77de-4c1a-9f00-123456789abc"
    assert accounts.username_for(pid) == accounts.username_for(pid) == "peserta-3f2c9a1b77"
    assert accounts.username_for("00000000-0000-0000-0000-000000000001") != \
        accounts.username_for(pid)
