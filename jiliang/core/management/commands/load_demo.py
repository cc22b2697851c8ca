"""Load the demo data of every app, in the order of JILIANG_APPS. Running it twice is fine."""

import importlib
import importlib.util

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from jiliang.core.demo import DEMO_PASSWORD, DEMO_TOTP_KEY_BASE32, PEOPLE, seed_second_factor


class Command(BaseCommand):
    help = "Load the demo organisations, users and each app's demo records (idempotent)."

    def handle(self, *args, **options):
        if settings.PRODUCTION:
            raise CommandError("JILIANG_ENV=production: a served site never loads the demo "
                               "(create the first administrator with manage.py create_admin)")
        for app in settings.JILIANG_APPS:
            name = f"{app}.demo"
            if importlib.util.find_spec(name) is None:
                continue
            importlib.import_module(name).load(self.stdout)
        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS(f"Demo logins (password for all: {DEMO_PASSWORD}):"))
        for username, _org_key, role, full_name in PEOPLE:
            self.stdout.write(f"  {username:<12} {role.label} — {full_name}")
        heads = seed_second_factor()
        self.stdout.write(f"Second factor for {', '.join(heads)}: a TOTP app holding the key "
                          f"{DEMO_TOTP_KEY_BASE32}, or `python manage.py demo_otp_code USER`.")
