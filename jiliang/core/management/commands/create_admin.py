"""Create the first national administrator of a served site (no demo, no printed password).

The password comes from a prompt (typed twice), from standard input (``--password-stdin``,
for scripts) or from the environment variable JILIANG_ADMIN_PASSWORD; it is never written
out. The national administration is put on file first when it is not yet.
"""

from __future__ import annotations

import getpass
import os
import sys

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from jiliang.core import services
from jiliang.core.models import Organisation, OrgKind, Role

NATIONAL_NAME = "国家市场监督管理总局计量司"


class Command(BaseCommand):
    help = "Create a national administrator (and the national administration if missing)."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--email", default="")
        parser.add_argument("--full-name", default="")
        parser.add_argument("--organisation", default=NATIONAL_NAME,
                            help="the national administration's name, when it is not on file")
        parser.add_argument("--region", default="110000",
                            help="its division code (GB/T 2260), when it is not on file")
        parser.add_argument("--password-stdin", action="store_true",
                            help="read the password from the first line of standard input")

    def _password(self, from_stdin: bool) -> str:
        if from_stdin:
            return sys.stdin.readline().rstrip("\n")
        if env := os.environ.get("JILIANG_ADMIN_PASSWORD"):
            return env
        if not sys.stdin.isatty():
            raise CommandError("no terminal to ask for the password: use --password-stdin "
                               "or JILIANG_ADMIN_PASSWORD")
        first = getpass.getpass("Password: ")
        if first != getpass.getpass("Password (again): "):
            raise CommandError("the two passwords differ")
        return first

    def handle(self, *args, username, email, full_name, organisation, region,
               password_stdin, **options):
        password = self._password(password_stdin)
        try:
            with transaction.atomic():
                national = Organisation.objects.filter(kind=OrgKind.NATIONAL).first()
                if national is None:
                    national = services.organisation_register(
                        actor=None, kind=OrgKind.NATIONAL, name=organisation, region_code=region)
                user = services.user_create(
                    actor=None, username=username, password=password, organisation=national,
                    role=Role.NATIONAL_ADMIN, full_name=full_name, email=email)
        except ValidationError as error:
            raise CommandError("; ".join(
                f"{field}: {' '.join(messages)}" for field, messages in error.message_dict.items()
            ) if hasattr(error, "error_dict") else " ".join(error.messages)) from None
        self.stdout.write(self.style.SUCCESS(
            f"national administrator {user.username} created in {national.name}"))
