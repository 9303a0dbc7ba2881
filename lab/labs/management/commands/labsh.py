"""`manage.py labsh`: run shell command lines in a stored lab.

    python manage.py labsh [--lab NAME] [--profile PROFILE] [--reset] [--host HOST] 'LINE' ...

Each LINE runs on HOST (default: the control-plane node) of the command
line's lab NAME, created from PROFILE on first use, and is saved before the
next one runs (one line, one transaction). Output goes to this process's
stdout and stderr as the simulated tools write it; standard input, when it
is not a terminal, is given to every line (`kubectl apply -f -`). The exit
status is the last line's status. With no LINE and a terminal on stdin,
labsh reads lines interactively.
"""
from __future__ import annotations

import sys
import traceback

from django.core.management.base import BaseCommand, CommandError

from lab.labs.models import Lab
from lab.labs.persistence import DEFAULT_PROFILE, create_lab, get_cli_lab, load_world, reset_lab, run_command

# EX_SOFTWARE from sysexits.h: the simulator itself failed.
EXIT_INTERNAL = 70


class Command(BaseCommand):
    help = "Run shell command lines (kubectl, curl, ...) in a stored simulated cluster."

    def add_arguments(self, parser):
        parser.add_argument("lines", nargs="*", metavar="COMMAND_LINE",
                            help="a shell command line, e.g. 'kubectl get svc'")
        parser.add_argument("--lab", default="default", help="lab name (default: %(default)s)")
        parser.add_argument("--profile", help=f"cluster profile for a new lab (default: {DEFAULT_PROFILE})")
        parser.add_argument("--reset", action="store_true", help="recreate the lab from its profile first")
        parser.add_argument("--host", help="host to run on (default: the control-plane node)")

    def handle(self, *args, lines: list[str], lab: str, profile: str | None, reset: bool,
               host: str | None, **options):
        self.stderr.style_func = None  # the tools' own text, uncoloured
        the_lab = self._lab(lab, profile, reset)
        if host is not None:
            hosts = sorted(load_world(the_lab).hosts)
            if host not in hosts:
                raise CommandError(f"lab {lab!r} has no host {host!r}; its hosts are: {', '.join(hosts)}")
        if not lines:
            if reset:
                return
            if not sys.stdin.isatty():
                raise CommandError("no command line given; usage: manage.py labsh 'kubectl get nodes'")
            status = self._interactive(the_lab, host)
        else:
            stdin = "" if sys.stdin is None or sys.stdin.isatty() else sys.stdin.read()
            status = 0
            for line in lines:
                status = self._run(the_lab, line, host, stdin)
        if status:
            sys.exit(status)

    def _lab(self, name: str, profile: str | None, reset: bool) -> Lab:
        """The command line's lab `name`, created or reset as asked."""
        lab = get_cli_lab(name)
        if lab is None:
            return create_lab(name, profile or DEFAULT_PROFILE)
        if reset:
            return reset_lab(lab, profile)
        if profile and profile != lab.profile:
            raise CommandError(f"lab {name!r} is a {lab.profile!r} lab; add --reset to recreate it "
                               f"from profile {profile!r}")
        return lab

    def _run(self, lab: Lab, line: str, host: str | None, stdin: str) -> int:
        try:
            result = run_command(lab, line, host=host, stdin=stdin)
        except Exception:
            self.stderr.write(traceback.format_exc(), ending="")
            self.stderr.write(f"labsh: the simulator failed on {line!r}; lab {lab.name!r} is unchanged\n",
                              ending="")
            return EXIT_INTERNAL
        self._write(result)
        return result.status

    def _write(self, result) -> None:
        """Replay the command's output in the order it was written
        (Result.chunks: ("out" | "err", text) pairs)."""
        for stream, text in result.chunks:
            out = self.stderr if stream == "err" else self.stdout
            out.write(text, ending="")
            out.flush()

    def _interactive(self, lab: Lab, host: str | None) -> int:
        """A read-eval-print loop; each line is its own transaction.

        SIMPLIFICATION: shell variables and the working directory do not
        carry over from one line to the next.
        """
        from lab.sim.shell.session import ShellSession

        status = 0
        while True:
            world = load_world(lab)
            prompt = ShellSession(world, host or world.default_host).prompt()
            try:
                line = input(prompt)
            except EOFError:
                self.stdout.write("\n", ending="")
                return status
            if line.strip() in ("exit", "logout"):
                return status
            if line.strip():
                status = self._run(lab, line, host, "")
