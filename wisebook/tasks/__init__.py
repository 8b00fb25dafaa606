"""Background work: the queue (Huey, each run a ``task_runs`` row), the jobs, the schedule.

Importing the package registers the jobs (``jobs``), so that every process that runs or
submits them — web, worker, scheduler, the command line — knows the same list.
"""

from wisebook.tasks import jobs as jobs
