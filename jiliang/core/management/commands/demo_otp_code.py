"""Print the current second-factor code of a demo user (the demo's TOTP key is published)."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from jiliang.core.models import User


class Command(BaseCommand):
    help = "The current TOTP code of a demo user's demo device (not in production)."

    def add_arguments(self, parser):
        parser.add_argument("username")

    def handle(self, *args, username, **options):
        if settings.PRODUCTION:
            raise CommandError("JILIANG_ENV=production has no demo devices")
        user = User.objects.filter(username=username).first()
        device = TOTPDevice.objects.filter(user=user, name="demo", confirmed=True).first()
        if device is None:
            raise CommandError(f"{username} has no demo device (run `make demo` first)")
        totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
        self.stdout.write(f"{totp.token():0{device.digits}d}")
