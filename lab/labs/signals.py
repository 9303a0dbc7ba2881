"""Signals of the lab layer.

`command_finished` is the one hook through which a command's outcome
reaches anything beyond the terminal (lesson progress, the classroom
dashboard): every path that runs a learner's line and stores the result
sends it after the save has committed.

    command_finished.send(sender=Lab, lab=lab, world=world, line=line, status=status)

`world` is the World just saved (read it, do not change it); `status` is
the line's exit status.
"""
from django.dispatch import Signal

command_finished = Signal()
