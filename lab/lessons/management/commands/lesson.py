"""`manage.py lesson list` and `manage.py lesson verify [SLUG ...]`.

`verify` plays each lesson's solution path in a fresh World of its profile
(no database: lab.sim.lessons.verify) and prints one line per step, with the
checks that failed and the output of the lines before them; it exits 1 when
any step fails. `list` prints the lessons, or the loader's errors (exit 1).
"""
from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from lab.sim import lessons as engine
from lab.sim.lessons.play import StepReport


class Command(BaseCommand):
    help = "List the guided lessons, or play their solution paths and report each step."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True, metavar="{list,verify}")
        listing = sub.add_parser("list", help="the lessons, in order")
        verify = sub.add_parser("verify", help="play solution paths in fresh labs; exit 1 on any failure")
        for p in (listing, verify):
            p.add_argument("--dir", type=Path, default=engine.LESSONS_DIR,
                           help="the folder of lesson folders (default: the project's lessons/)")
        verify.add_argument("slugs", nargs="*", metavar="SLUG", help="lessons to verify (default: all)")
        verify.add_argument("-v", "--verbose", action="store_true", help="print every line's output")

    def handle(self, *args, action: str, **options):
        try:
            lessons = engine.load_all(options["dir"])
        except engine.LessonError as e:
            raise CommandError(f"invalid lesson:\n{e}") from None
        if action == "list":
            for lesson in lessons:
                self.stdout.write(f"{lesson.slug:<22} {lesson.profile:<9} {len(lesson.steps):>2} steps  "
                                  f"{lesson.minutes:>3} min  {lesson.level:<12} {lesson.title['en']}")
            return
        slugs = options["slugs"]
        unknown = [s for s in slugs if s not in {l.slug for l in lessons}]
        if unknown:
            raise CommandError(f"no lesson {unknown[0]!r} (one of: {', '.join(l.slug for l in lessons)})")
        chosen = [l for l in lessons if not slugs or l.slug in slugs]
        failed = [lesson.slug for lesson in chosen if not self._verify(lesson, options["verbose"])]
        if failed:
            raise CommandError(f"{len(failed)} of {len(chosen)} lessons failed: {', '.join(failed)}")
        self.stdout.write(f"{len(chosen)} of {len(chosen)} lessons passed")

    def _verify(self, lesson: engine.Lesson, verbose: bool) -> bool:
        self.stdout.write(f"{lesson.slug} ({lesson.profile}, {len(lesson.steps)} steps)")

        def show(step: StepReport) -> None:
            mark = "ok  " if step.ok else "FAIL"
            self.stdout.write(f"  {mark} {step.number:>2} {step.step}"
                              + (": its checks held before its solution ran" if step.passed_early else ""))
            for check in step.status.checks:
                if not check.passed or verbose:
                    sign = "+" if check.passed else "-"
                    self.stdout.write(f"         {sign} {check.text['en']}" + (f": {check.detail}" if check.detail else ""))
            if not step.ok or verbose:
                for line in step.lines:
                    self.stdout.write(f"         [{line.host}]$ {line.line}  (exit {line.status})")
                    for text in (line.stdout + line.stderr).splitlines()[:20]:
                        self.stdout.write(f"           {text}")

        report = engine.verify(lesson, on_step=show)
        passed = sum(1 for s in report.steps if s.ok)
        self.stdout.write(f"  {passed}/{len(report.steps)} steps passed")
        return report.ok
