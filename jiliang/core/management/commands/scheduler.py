import time

from django.core.management.base import BaseCommand

from jiliang.core.schedule import daily_task_paths, enqueue_due


class Command(BaseCommand):
    help = "Enqueue each app's daily tasks once a day (run beside db_worker)."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="check once and exit")
        parser.add_argument("--now", action="store_true", help="ignore the daily hour")

    def handle(self, *args, once=False, now=False, **options):
        self.stdout.write(f"daily tasks: {', '.join(daily_task_paths()) or 'none'}")
        while True:
            for path in enqueue_due(force=now):
                self.stdout.write(f"enqueued {path}")
            if once:
                return
            time.sleep(60)
