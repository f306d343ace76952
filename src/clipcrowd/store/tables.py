"""Table definitions. Each entity keeps the columns queries filter on, plus `data`: the object
as the requester sent it, so it can be echoed back exactly (clients read some fields verbatim).
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    and_,
    false,
    or_,
    true,
)

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

PK = BigInteger().with_variant(Integer(), "sqlite")  # SQLite autoincrements INTEGER PRIMARY KEY only

requesters = Table(
    "requesters", metadata,
    Column("id", PK, primary_key=True, autoincrement=True),
    Column("public_name", String(200), nullable=False),
    Column("balance", Float, nullable=False, default=0.0),
    Column("created", DateTime, nullable=False),
)

workers = Table(
    "workers", metadata,
    Column("id", PK, primary_key=True, autoincrement=True),
    Column("login", String(200), nullable=False, unique=True),
    Column("password_hash", String(200)),
    Column("languages", JSON, nullable=False),
    Column("client_type", String(40), nullable=False),
    Column("profile", JSON, nullable=False),
    Column("balance", Float, nullable=False, default=0.0),
    Column("created", DateTime, nullable=False),
)

api_tokens = Table(
    "api_tokens", metadata,
    Column("id", PK, primary_key=True, autoincrement=True),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("role", String(20), nullable=False),  # requester | worker | admin
    Column("requester_id", ForeignKey("requesters.id")),
    Column("worker_id", ForeignKey("workers.id", ondelete="CASCADE")),
    Column("name", String(200), nullable=False, default=""),
    Column("created", DateTime, nullable=False),
    Column("expires", DateTime),
    Column("revoked", Boolean, nullable=False, default=False),
)

# Failed sign-ins within the window (services/sign_in_limits.py): one row per failure and key
# ("login:<login>" or "addr:<address>"), at the limits' clock in seconds; shared by every server process.
sign_in_failures = Table(
    "sign_in_failures", metadata,
    Column("id", PK, primary_key=True, autoincrement=True),
    Column("key", String(300), nullable=False),
    Column("failed_at", Float, nullable=False),
    Index("ix_sign_in_failures_key_failed_at", "key", "failed_at"),
    Index("ix_sign_in_failures_failed_at", "failed_at"),
)

projects = Table(
    "projects", metadata,
    Column("id", PK, primary_key=True, autoincrement=True),
    Column("status", String(20), nullable=False),
    Column("created", DateTime, nullable=False),
    Column("data", JSON, nullable=False),
)

skills = Table(
    "skills", metadata,
    Column("id", PK, primary_key=True, autoincrement=True),
    Column("name", String(500), nullable=False, index=True),
    Column("created", DateTime, nullable=False),
    Column("data", JSON, nullable=False),
)

pools = Table(
    "pools", metadata,
    Column("id", PK, primary_key=True, autoincrement=True),
    Column("project_id", ForeignKey("projects.id"), nullable=False, index=True),
    Column("status", String(20), nullable=False),
    Column("created", DateTime, nullable=False),
    Column("last_started", DateTime),
    Column("last_stopped", DateTime),
    Column("last_close_reason", String(40)),
    Column("will_expire", DateTime),
    Column("data", JSON, nullable=False),
    Column("type", String(20), nullable=False, server_default="REGULAR"),  # REGULAR | TRAINING
)

# A suite the requester made: its tasks (rows of `tasks` with its `suite_id`) are issued together.
task_suites = Table(
    "task_suites", metadata,
    Column("id", PK, primary_key=True, autoincrement=True),
    Column("pool_id", ForeignKey("pools.id"), nullable=False),
    Column("issuing_order_override", Integer),  # higher first; NULL after every number
    Column("created", DateTime, nullable=False),
    Column("data", JSON, nullable=False),
    Index("ix_task_suites_pool_id", "pool_id", "id"),
)

tasks = Table(
    "tasks", metadata,
    Column("id", PK, primary_key=True, autoincrement=True),
    Column("pool_id", ForeignKey("pools.id"), nullable=False),
    Column("overlap", Integer),  # NULL with infinite_overlap
    Column("infinite_overlap", Boolean, nullable=False, default=False),
    Column("golden", Boolean, nullable=False, default=False),
    # assignments holding the task (ACTIVE, SUBMITTED or ACCEPTED) and those answered (not ACTIVE)
    Column("assigned_count", Integer, nullable=False, default=0),
    Column("answered_count", Integer, nullable=False, default=0),
    Column("created", DateTime, nullable=False),
    Column("data", JSON, nullable=False),
    Column("suite_id", ForeignKey("task_suites.id"), index=True),  # NULL: the mixer builds its suites
    Index("ix_tasks_pool_id", "pool_id", "id"),
)

# Partial indexes over the tasks that still need work, so issuing a suite and checking whether a
# pool is complete stay index lookups however many of a pool's tasks are already done. Queries
# repeat these predicates word for word (`OPEN_REAL_TASK`, `UNANSWERED_REAL_TASK`, `GOLDEN_TASK`):
# SQLite uses a partial index only when the query's WHERE clause contains its terms, and prefers
# it only while no full index also covers (pool_id, golden), hence the plain (pool_id, id) index.
OPEN_REAL_TASK = and_(tasks.c.golden == false(), or_(tasks.c.infinite_overlap == true(),
                                                     tasks.c.assigned_count < tasks.c.overlap))
GOLDEN_TASK = tasks.c.golden == true()
UNANSWERED_REAL_TASK = and_(tasks.c.golden == false(), tasks.c.infinite_overlap == false(),
                            tasks.c.answered_count < tasks.c.overlap)
Index("ix_tasks_open_real", tasks.c.pool_id, tasks.c.id,
      postgresql_where=OPEN_REAL_TASK, sqlite_where=OPEN_REAL_TASK)
Index("ix_tasks_unanswered_real", tasks.c.pool_id,
      postgresql_where=UNANSWERED_REAL_TASK, sqlite_where=UNANSWERED_REAL_TASK)
Index("ix_tasks_golden", tasks.c.pool_id, tasks.c.id,
      postgresql_where=GOLDEN_TASK, sqlite_where=GOLDEN_TASK)

assignments = Table(
    "assignments", metadata,
    Column("id", PK, primary_key=True, autoincrement=True),
    Column("pool_id", ForeignKey("pools.id"), nullable=False),
    Column("worker_id", ForeignKey("workers.id"), nullable=False),
    Column("status", String(20), nullable=False),
    Column("created", DateTime, nullable=False),
    Column("deadline", DateTime, nullable=False),
    Column("submitted", DateTime),
    Column("accepted", DateTime),
    # accepted by the maintenance tick when the review period ran out, not by a person
    Column("auto_accepted", Boolean, nullable=False, server_default=false()),
    Column("rejected", DateTime),
    Column("skipped", DateTime),
    Column("expired", DateTime),
    Column("reward", Float, nullable=False, default=0.0),
    Column("public_comment", Text),
    Column("task_ids", JSON, nullable=False),
    Column("solutions", JSON),
    Index("ix_assignments_pool_status_id", "pool_id", "status", "id"),
    Index("ix_assignments_worker_pool_status", "worker_id", "pool_id", "status"),
    Index("ix_assignments_status_deadline", "status", "deadline"),
)

# One row per (task, worker): the database itself refuses a second answer by the same worker.
assignment_tasks = Table(
    "assignment_tasks", metadata,
    Column("assignment_id", ForeignKey("assignments.id", ondelete="CASCADE"), primary_key=True),
    Column("position", Integer, primary_key=True),
    Column("task_id", ForeignKey("tasks.id"), nullable=False),
    Column("worker_id", ForeignKey("workers.id"), nullable=False),
    UniqueConstraint("task_id", "worker_id", name="uq_assignment_tasks_task_worker"),
    Index("ix_assignment_tasks_worker_task", "worker_id", "task_id"),
)

# Each answer's value of each output field, one row per (assignment, suite position, field), kept by
# the database itself (migration 0021_answer_values: triggers on `assignments` write them from the
# stored `solutions` at every insert, update and delete, whichever code makes it, and copy the
# assignment's status). `value` is the value's JSON text (a scalar: string, number, boolean); NULL
# when the answer holds an object or an array there, which readers take from `solutions` instead; a
# JSON null or an absent field has no row. Keyed for aggregation's read: one range of the primary key
# per (pool, field), in assignment order (a table without rowid on SQLite). No foreign keys, which
# PostgreSQL would check row by row on a bulk insert: only the triggers write these rows.
answer_values = Table(
    "answer_values", metadata,
    Column("pool_id", PK, primary_key=True, autoincrement=False),
    Column("field", String(200), primary_key=True),
    Column("assignment_id", PK, primary_key=True, autoincrement=False),
    Column("position", Integer, primary_key=True, autoincrement=False),
    Column("task_id", PK, nullable=False),
    Column("worker_id", PK, nullable=False),
    Column("status", String(20), nullable=False),  # the assignment's, kept equal by the triggers
    Column("value", Text),
    Index("ix_answer_values_assignment_id", "assignment_id"),
    sqlite_with_rowid=False,
)

# A pool's answers to one field, packed (migration 0027_aggregate): the `answer_values` rows of an
# assignment-id range [first_assignment, last_assignment] in (assignment, position) order, as
# little-endian arrays — task and worker ids (int64), status codes (uint8), value codes (int32, -1 for
# a NULL value) — into the chunk's `dictionary` (JSON {"statuses": [...], "values": [JSON texts]}).
# A copy, kept valid by triggers on `answer_values` that delete the chunk holding a changed row's
# assignment; only `services.answer_chunks` writes and reads them.
answer_chunks = Table(
    "answer_chunks", metadata,
    Column("pool_id", PK, primary_key=True, autoincrement=False),
    Column("field", String(200), primary_key=True),
    Column("last_assignment", PK, primary_key=True, autoincrement=False),
    Column("first_assignment", PK, nullable=False),
    Column("answers", Integer, nullable=False),
    Column("task_ids", LargeBinary, nullable=False),
    Column("worker_ids", LargeBinary, nullable=False),
    Column("status_codes", LargeBinary, nullable=False),
    Column("value_codes", LargeBinary, nullable=False),
    Column("dictionary", Text, nullable=False),
)

worker_skills = Table(
    "worker_skills", metadata,
    Column("id", PK, primary_key=True, autoincrement=True),
    Column("worker_id", ForeignKey("workers.id", ondelete="CASCADE"), nullable=False),
    Column("skill_id", ForeignKey("skills.id"), nullable=False),
    Column("value", Float, nullable=False),
    Column("created", DateTime, nullable=False),
    Column("modified", DateTime, nullable=False),
    UniqueConstraint("worker_id", "skill_id", name="uq_worker_skills_worker_skill"),
)

user_restrictions = Table(
    "user_restrictions", metadata,
    Column("id", PK, primary_key=True, autoincrement=True),
    Column("worker_id", ForeignKey("workers.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("scope", String(20), nullable=False),  # ALL_PROJECTS | PROJECT | POOL | SYSTEM
    Column("project_id", ForeignKey("projects.id")),
    Column("pool_id", ForeignKey("pools.id")),
    Column("private_comment", Text),
    Column("created", DateTime, nullable=False),
    Column("will_expire", DateTime),
)

attachments = Table(
    "attachments", metadata,
    Column("id", PK, primary_key=True, autoincrement=True),
    Column("worker_id", ForeignKey("workers.id"), nullable=False),
    Column("assignment_id", ForeignKey("assignments.id"), nullable=False, index=True),
    Column("pool_id", ForeignKey("pools.id"), nullable=False),
    Column("name", String(500), nullable=False),
    Column("media_type", String(200), nullable=False),
    Column("size", BigInteger, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("storage_key", String(500), nullable=False),
    Column("created", DateTime, nullable=False),
    # microseconds of audio/video (None for images, other files and uploads older than 0017)
    Column("duration_us", BigInteger, nullable=True),
)

operations = Table(
    "operations", metadata,
    Column("id", String(64), primary_key=True),
    Column("type", String(60), nullable=False),
    Column("status", String(20), nullable=False),
    Column("submitted", DateTime, nullable=False),
    Column("started", DateTime),
    Column("finished", DateTime),
    Column("progress", Integer, nullable=False, default=0),
    Column("parameters", JSON, nullable=False),
    Column("details", JSON),
)

operation_log = Table(
    "operation_log", metadata,
    Column("id", PK, primary_key=True, autoincrement=True),
    Column("operation_id", ForeignKey("operations.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("type", String(60), nullable=False),
    Column("success", Boolean, nullable=False),
    Column("input", JSON, nullable=False),
    Column("output", JSON, nullable=False),
)

# Everything that happens: quality rules, analytics and the audit trail read these rows.
events = Table(
    "events", metadata,
    Column("id", PK, primary_key=True, autoincrement=True),
    Column("type", String(40), nullable=False),
    Column("created", DateTime, nullable=False),
    Column("pool_id", ForeignKey("pools.id")),
    Column("worker_id", ForeignKey("workers.id")),
    Column("assignment_id", ForeignKey("assignments.id")),
    Column("data", JSON, nullable=False),
    Index("ix_events_pool_worker_type_id", "pool_id", "worker_id", "type", "id"),
    Index("ix_events_pool_type_created", "pool_id", "type", "created"),
)

# Invite links: a requester-made code that lets a person create her own worker account for a pool.
invites = Table(
    "invites", metadata,
    Column("id", PK, primary_key=True, autoincrement=True),
    Column("code_hash", String(64), nullable=False, unique=True),
    Column("pool_id", ForeignKey("pools.id"), nullable=False),
    Column("languages", JSON, nullable=False),
    Column("client_type", String(40), nullable=False),
    Column("profile", JSON),  # other profile facts the pool's filter asks of the invitee (country, ...)
    Column("created", DateTime, nullable=False),
    Column("expires", DateTime),
    Column("max_uses", Integer),
    Column("uses", Integer, nullable=False, default=0),
    Column("revoked", Boolean, nullable=False, default=False),
)

# Aggregation results: one label per (pool, output field, method, task) and one quality per worker.
# Re-running a method on a pool replaces its rows; `operation_id` tells which run wrote them.
# One aggregation run per (pool, field, method): what all of its labels share, and its distinct label
# values as one JSON list (`label_chunks.labels` index it). Storing a run replaces the earlier one.
aggregation_runs = Table(
    "aggregation_runs", metadata,
    Column("id", PK, primary_key=True, autoincrement=True),
    Column("pool_id", ForeignKey("pools.id"), nullable=False),
    Column("field", String(200), nullable=False),
    Column("method", String(40), nullable=False),
    Column("operation_id", String(64), nullable=False),
    Column("created", DateTime, nullable=False),
    Column("labels", JSON, nullable=False),  # the distinct label values, sorted as the aggregation sorts them
    Column("tasks", Integer, nullable=False),  # how many labels the run stored
    UniqueConstraint("pool_id", "field", "method", name="uq_aggregation_runs_pool_field_method"),
    Index("ix_aggregation_runs_operation_id", "operation_id"),
)

# A run's labels in chunks of up to `services.label_runs.CHUNK` tasks, by ascending task id: each chunk is
# three packed little-endian arrays (task ids int64, label indexes int32, confidences float64) under the
# key (run, its highest task id), so a run of 100,000 labels is 25 rows written in one statement, and
# a page by task id reads the chunk or two that hold it. No foreign key (only services.label_runs
# writes these rows, after their run's row).
label_chunks = Table(
    "label_chunks", metadata,
    Column("run_id", PK, primary_key=True, autoincrement=False),
    Column("last_task", PK, primary_key=True, autoincrement=False),
    Column("tasks", LargeBinary, nullable=False),
    Column("labels", LargeBinary, nullable=False),  # indexes into aggregation_runs.labels
    Column("confidence", LargeBinary, nullable=False),
)

worker_quality = Table(
    "worker_quality", metadata,
    Column("id", PK, primary_key=True, autoincrement=True),
    Column("pool_id", ForeignKey("pools.id"), nullable=False),
    Column("worker_id", ForeignKey("workers.id", ondelete="CASCADE"), nullable=False),
    Column("field", String(200), nullable=False),
    Column("method", String(40), nullable=False),
    Column("quality", Float),  # NULL when the method cannot rate the worker (e.g. no counted answer)
    Column("answers", Integer, nullable=False),
    Column("operation_id", String(64), nullable=False),
    Column("created", DateTime, nullable=False),
    UniqueConstraint("pool_id", "field", "method", "worker_id", name="uq_worker_quality_pool_field_method_worker"),
    Index("ix_worker_quality_worker_id", "worker_id"),
)

# Media assets of a project (ingest): one row per external id; files live in Storage under
# `projects/<project id>/...` so that deleting a project removes every file it owns.
assets = Table(
    "assets", metadata,
    Column("id", PK, primary_key=True, autoincrement=True),
    Column("project_id", ForeignKey("projects.id", ondelete="CASCADE"), nullable=False),
    Column("external_id", String(500), nullable=False),
    Column("kind", String(20), nullable=False),  # VIDEO | FRAME | IMAGE | AUDIO
    Column("status", String(20), nullable=False),  # PENDING | PROCESSING | READY | ERROR
    Column("error", Text),
    Column("created", DateTime, nullable=False),
    Column("updated", DateTime, nullable=False),
    Column("source", JSON, nullable=False),  # what to fetch: an upload key, a URL or a list of images
    Column("json_metadata", JSON, nullable=False),
    Column("json_content", JSON),  # FRAME assets: the frame list
    Column("content_key", String(500)),
    Column("proxy_key", String(500)),
    Column("cover_key", String(500)),
    Column("frames_key", String(500)),  # frame-to-pts table (.npy)
    Column("info", JSON),  # probe facts
    UniqueConstraint("project_id", "external_id", name="uq_assets_project_external_id"),
)

# Which tasks point at which asset (a task's input value holds the asset's URL): written with
# the tasks, so an asset's labelling status is a join, never a scan of every task's JSON.
asset_tasks = Table(
    "asset_tasks", metadata,
    Column("asset_id", ForeignKey("assets.id", ondelete="CASCADE"), primary_key=True),
    Column("task_id", ForeignKey("tasks.id", ondelete="CASCADE"), primary_key=True),
    Index("ix_asset_tasks_task_id", "task_id"),
)

# Long work: a job (what a user sees) is split into shards (what a worker claims, under a lease).
# `status` is derived from the job's shards and stored so lists can filter on it (see clipcrowd.jobs).
jobs = Table(
    "jobs", metadata,
    Column("id", PK, primary_key=True, autoincrement=True),
    Column("kind", String(60), nullable=False),
    Column("status", String(20), nullable=False),  # queued | processing | complete | complete_with_errors | ...
    Column("payload", JSON, nullable=False),  # the request, as submitted
    Column("project_id", ForeignKey("projects.id", ondelete="CASCADE")),
    Column("attempts", Integer, nullable=False, default=0),
    Column("claimed_by", String(200)),
    Column("lease_until", DateTime),
    Column("error", Text),
    Column("created", DateTime, nullable=False),
    Column("started", DateTime),
    Column("finished", DateTime),
    Column("handler", String(300)),  # module:qualname of the handler class, so any worker can load it
    Column("operation_id", String(36)),  # the operation a client polls, when the job backs one
    Column("idempotency_key", String(200)),
    Column("updated", DateTime),
    Index("ix_jobs_status_id", "status", "id"),
    Index("ix_jobs_operation_id", "operation_id"),
    UniqueConstraint("kind", "idempotency_key", name="uq_jobs_kind_idempotency_key"),
)

# A shard of a job: claimed by one worker at a time (`claim` is the holder's token, `lease_until`
# is renewed by its heartbeat); a shard whose lease ran out is claimed again, `attempts` bounded.
job_shards = Table(
    "job_shards", metadata,
    Column("id", PK, primary_key=True, autoincrement=True),
    Column("job_id", ForeignKey("jobs.id", ondelete="CASCADE"), nullable=False),
    Column("shard_id", Integer, nullable=False),
    Column("status", String(20), nullable=False),  # missing | queued | processing | complete | failed | cancelled
    Column("payload", JSON),
    Column("item_count", Integer, nullable=False),  # items the shard is to hold
    Column("received", Integer, nullable=False, default=0),  # item rows it holds so far
    Column("done", Integer, nullable=False, default=0),
    Column("failed", Integer, nullable=False, default=0),
    Column("skipped", Integer, nullable=False, default=0),
    Column("attempts", Integer, nullable=False, default=0),
    Column("claim", String(64)),
    Column("claimed_by", String(200)),
    Column("lease_until", DateTime),
    Column("error", Text),
    Column("started", DateTime),
    Column("finished", DateTime),
    UniqueConstraint("job_id", "shard_id", name="uq_job_shards_job_id_shard_id"),
    Index("ix_job_shards_status_id", "status", "id"),
)

# The items of a shard (a file, an asset, a pool): a re-run of a shard skips the items already done.
job_items = Table(
    "job_items", metadata,
    Column("id", PK, primary_key=True, autoincrement=True),
    Column("job_id", ForeignKey("jobs.id", ondelete="CASCADE"), nullable=False),
    Column("shard_id", Integer, nullable=False),
    Column("key", String(500), nullable=False),
    Column("status", String(20), nullable=False),  # pending | done | failed | skipped
    Column("result", JSON),
    Column("error", Text),
    Column("updated", DateTime),
    UniqueConstraint("job_id", "key", name="uq_job_items_job_id_key"),
    Index("ix_job_items_job_status_id", "job_id", "status", "id"),
    Index("ix_job_items_job_shard_id", "job_id", "shard_id", "id"),
)

# Exports read a pool's answers in keyset chunks by assignment id, and a chunk's stored labels by task;
# the desk counts a pool's assignments per worker and status from an index alone.
Index("ix_assignments_pool_id_id", assignments.c.pool_id, assignments.c.id)
# The desk's charts bucket a pool's answered suites by submission time and duration from this alone.
Index("ix_assignments_pool_submitted", assignments.c.pool_id, assignments.c.submitted, assignments.c.created)

# Per (pool, worker), what her submissions add up to, kept as they come in (services.worker_stats):
# the desk's worker table reads these rows instead of summing every SUBMITTED event's JSON.
pool_worker_stats = Table(
    "pool_worker_stats", metadata,
    Column("pool_id", ForeignKey("pools.id"), primary_key=True),
    Column("worker_id", ForeignKey("workers.id", ondelete="CASCADE"), primary_key=True),
    Column("submitted", Integer, nullable=False, default=0),
    Column("golden_right", Integer, nullable=False, default=0),
    Column("golden_total", Integer, nullable=False, default=0),
    Column("fast_submits", Integer, nullable=False, default=0),  # faster than the pool's threshold then
)
Index("ix_assignments_pool_worker_status", assignments.c.pool_id, assignments.c.worker_id, assignments.c.status)
# The review queue: a pool's oldest SUBMITTED suites, in order, however many answered ones it has.
Index("ix_assignments_pool_status_submitted", assignments.c.pool_id, assignments.c.status, assignments.c.submitted,
      assignments.c.id)

# Cameras of camera-folder imports: one row per name (the importer's `camera` group plus suffix).
cameras = Table(
    "cameras", metadata,
    Column("id", PK, primary_key=True, autoincrement=True),
    Column("name", String(500), nullable=False),
    Column("local_camera_id", String(64), nullable=False),
    Column("created", DateTime, nullable=False),
    Column("data", JSON, nullable=False),  # settings sent at registration (plan, sizes, fps)
    UniqueConstraint("name", name="uq_cameras_name"),
)

# Files received by a camera import job: a re-sent file is found by (job_id, sha1) and not stored twice.
camera_files = Table(
    "camera_files", metadata,
    Column("id", PK, primary_key=True, autoincrement=True),
    Column("job_id", ForeignKey("jobs.id", ondelete="CASCADE"), nullable=False),
    Column("shard_id", Integer, nullable=False),
    Column("sha1", String(40), nullable=False),
    Column("camera_id", ForeignKey("cameras.id"), nullable=False),
    Column("asset_id", ForeignKey("assets.id", ondelete="SET NULL")),
    Column("filename", String(1000), nullable=False),
    Column("start", DateTime, nullable=False),  # UTC time of the file's first frame
    Column("status", String(20), nullable=False),  # received | done | failed
    Column("error", Text),
    Column("created", DateTime, nullable=False),
    UniqueConstraint("job_id", "sha1", name="uq_camera_files_job_id_sha1"),
    Index("ix_camera_files_job_shard", "job_id", "shard_id"),
)

# Motion events: `start`/`end` are absolute UTC (file time + offset in the video, milliseconds).
camera_events = Table(
    "camera_events", metadata,
    Column("id", PK, primary_key=True, autoincrement=True),
    Column("job_id", ForeignKey("jobs.id", ondelete="CASCADE"), nullable=False),
    Column("file_id", ForeignKey("camera_files.id", ondelete="CASCADE"), nullable=False),
    Column("camera_id", ForeignKey("cameras.id"), nullable=False),
    Column("asset_id", ForeignKey("assets.id", ondelete="SET NULL")),
    Column("start", DateTime, nullable=False),
    Column("end", DateTime, nullable=False),
    Column("offset_ms", BigInteger, nullable=False),  # start, from the video's first frame
    Column("data", JSON, nullable=False),  # energy, bbox, direction, colour, clip/cover keys
    Column("labels", JSON, nullable=False),  # labels written directly (machines, corrections)
    Column("task_id", ForeignKey("tasks.id", ondelete="SET NULL")),  # the labelling task, with --pool
    Column("created", DateTime, nullable=False),
    UniqueConstraint("file_id", "offset_ms", name="uq_camera_events_file_id_offset_ms"),
    Index("ix_camera_events_job_start", "job_id", "start", "id"),
    Index("ix_camera_events_camera_start", "camera_id", "start", "id"),
)

# Money paid to a worker on top of assignment rewards; `amount` keeps the decimal text as sent.
user_bonuses = Table(
    "user_bonuses", metadata,
    Column("id", PK, primary_key=True, autoincrement=True),
    Column("worker_id", ForeignKey("workers.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("assignment_id", ForeignKey("assignments.id", ondelete="SET NULL")),
    Column("amount", String(32), nullable=False),
    Column("private_comment", Text),
    Column("public_title", JSON),
    Column("public_message", JSON),
    Column("without_message", Boolean, nullable=False),
    Column("created", DateTime, nullable=False),
)

# Messages a requester sends to workers, one thread per composed message (replies are not kept yet).
message_threads = Table(
    "message_threads", metadata,
    Column("id", PK, primary_key=True, autoincrement=True),
    Column("topic", JSON, nullable=False),
    Column("text", JSON, nullable=False),
    Column("answerable", Boolean, nullable=False),
    Column("recipients_select_type", String(20), nullable=False),
    Column("recipient_ids", JSON, nullable=False),
    Column("created", DateTime, nullable=False),
    Column("folders", String(200), nullable=False, server_default=",OUTBOX,"),  # ",OUTBOX,IMPORTANT,"
    Column("replies", JSON),  # the requester's later messages: [{"text", "created"}]
)

# A URL that is sent a pool's events. `cursor` is the last event id delivered (or given up on), for
# ASSIGNMENT_CREATED the last assignment id (issues are read from `assignments`, not the event log);
# a failed delivery is retried at `next_attempt` with a doubling delay, at most MAX_ATTEMPTS times.
webhook_subscriptions = Table(
    "webhook_subscriptions", metadata,
    Column("id", PK, primary_key=True, autoincrement=True),
    Column("pool_id", ForeignKey("pools.id", ondelete="CASCADE"), nullable=False),
    Column("event_type", String(40), nullable=False),
    Column("webhook_url", String(2000), nullable=False),
    Column("secret_key", String(200)),
    Column("cursor", BigInteger, nullable=False),
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_attempt", DateTime),
    Column("last_error", Text),
    Column("delivered", Integer, nullable=False, default=0),
    Column("created", DateTime, nullable=False),
    UniqueConstraint("pool_id", "event_type", "webhook_url", name="uq_webhook_subscriptions_pool_event_url"),
)

# A pool's figures kept by the database itself: triggers on `assignments` and `tasks` (migration
# 0019_pool_counters) add each change, so the desk reads sums of a few rows instead of counting a pool.
# `pool_counts` has one row per pool on SQLite and up to 1,024 (the migration's SHARDS) per pool on
# PostgreSQL (a transaction writes the row its id picks, so concurrent submissions do not queue on one
# row): always SUM them.
POOL_STATUS_COUNTS = ("active", "submitted", "accepted", "rejected", "skipped", "expired")  # assignments by status
# real tasks; over real tasks of finite overlap: answers wanted, answered, answered up to the overlap
POOL_TASK_COUNTS = ("real_tasks", "wanted", "answered", "got")
pool_counts = Table(
    "pool_counts", metadata,
    Column("pool_id", ForeignKey("pools.id", ondelete="CASCADE"), primary_key=True),
    Column("shard", Integer, primary_key=True),
    *(Column(name, BigInteger, nullable=False, server_default="0") for name in POOL_STATUS_COUNTS + POOL_TASK_COUNTS),
)
# Per (pool, worker), her assignments by status (the desk's worker table): one row, no shards.
pool_worker_counts = Table(
    "pool_worker_counts", metadata,
    Column("pool_id", ForeignKey("pools.id", ondelete="CASCADE"), primary_key=True),
    Column("worker_id", ForeignKey("workers.id", ondelete="CASCADE"), primary_key=True),
    *(Column(name, BigInteger, nullable=False, server_default="0") for name in POOL_STATUS_COUNTS),
)
# The desk charts' counts, kept by triggers on `assignments`, `assignment_tasks` and `tasks` (migration
# 0022_chart_counters). `pool_chart_counts`: chart "completion" counts answers (real tasks of suites
# with a `submitted` time) by the second of submission, "submit-times" such suites by the whole
# seconds they took (`submitted - created`, at least 0); `bucket` is the first second of a bucket
# of `step` seconds (a multiple of it). Up to 256 rows per key on PostgreSQL, one on SQLite: always SUM.
pool_chart_counts = Table(
    "pool_chart_counts", metadata,
    Column("pool_id", ForeignKey("pools.id", ondelete="CASCADE"), primary_key=True),
    Column("chart", String(20), primary_key=True),
    Column("step", Integer, primary_key=True),
    Column("bucket", BigInteger, primary_key=True),
    Column("shard", Integer, primary_key=True),
    Column("n", BigInteger, nullable=False, server_default="0"),
)
# Per (pool, worker): answers to real tasks of her SUBMITTED, ACCEPTED and REJECTED suites.
pool_worker_answers = Table(
    "pool_worker_answers", metadata,
    Column("pool_id", ForeignKey("pools.id", ondelete="CASCADE"), primary_key=True),
    Column("worker_id", ForeignKey("workers.id", ondelete="CASCADE"), primary_key=True),
    Column("answers", BigInteger, nullable=False, server_default="0"),
)
