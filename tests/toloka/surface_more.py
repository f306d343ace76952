# The second pass over toloka-kit 1.2.3 against a live clipcrowd: what a migrating script calls beyond
# surface.py. The async client, a streaming pipeline run to its end, finds with every sort and range
# filter, iterators over many small pages, partial batch results, attachments, single reads by id and
# review on the wrong states. The work is answered here through the worker API, so no crowd is needed.
# Each call goes through `check()`; the last line prints the record as JSON for the driving test.
import asyncio
import datetime
import io
import json
import os
import time
import traceback
import uuid
from decimal import Decimal

import requests
import toloka.client as toloka
from toloka.async_client import AsyncTolokaClient
from toloka.client.exceptions import (
    ApiError,
    ConflictStateApiError,
    DoesNotExistApiError,
    IncorrectActionsApiError,
    ValidationApiError,
)
from toloka.streaming import AssignmentsObserver, Pipeline, PoolStatusObserver
from toloka.streaming.cursor import (
    AssignmentCursor,
    MessageThreadCursor,
    TaskCursor,
    UserBonusCursor,
    UserRestrictionCursor,
    UserSkillCursor,
)

URL, TOKEN = os.environ['CLIPCROWD_URL'], os.environ['CLIPCROWD_TOKEN']
client = toloka.TolokaClient(TOKEN, url=URL, retries=0)
RECORD = {}
NOW = datetime.timedelta(0)  # a cursor's lag: this server's clock is the script's clock


def check(name, fn):
    """One call: `ok` when it returned something other than False, else what it returned or raised."""
    try:
        value = fn()
    except Exception as exc:  # kept, never fatal: the record lists every failure at once
        RECORD[name] = {'ok': False, 'error': type(exc).__name__, 'message': str(exc)[:300],
                        'code': getattr(exc, 'code', None), 'status': getattr(exc, 'status_code', None),
                        'where': traceback.format_exc(limit=-2)[-500:]}
        return None
    RECORD[name] = {'ok': value is not False} if value is not False else {'ok': False, 'error': 'returned False'}
    return value


def refusal(fn, status, code=None):
    """True when `fn` raises toloka-kit's ApiError with this HTTP status (and code), a message included."""
    try:
        fn()
    except ApiError as exc:
        return exc.status_code == status and (code is None or exc.code == code) and bool(exc.message)
    return False


def _raised(fn):
    try:
        fn()
    except Exception as exc:
        return exc
    return None


def pool_of(project_id, name, **extra):
    return toloka.Pool(project_id=project_id, private_name=name, may_contain_adult_content=False,
                       reward_per_assignment=0.01, assignment_max_duration_seconds=600,
                       will_expire=datetime.datetime.utcnow() + datetime.timedelta(days=7),
                       defaults=toloka.Pool.Defaults(default_overlap_for_new_task_suites=1), **extra)


def texts(tasks):
    return [t.input_values['text'] for t in tasks]


class Person:
    """A worker answering through the worker API, as the web page does."""

    def __init__(self, login):
        made = requests.post(f'{URL}/api/v1/workers', json={'login': f'{login}-{uuid.uuid4().hex[:8]}'},
                             headers={'Authorization': f'OAuth {TOKEN}'}).json()
        self.id, self.headers = made['id'], {'Authorization': f"OAuth {made['token']}"}

    def take(self, pool_id):
        got = requests.post(f'{URL}/api/v1/worker/pools/{pool_id}/next', headers=self.headers)
        return got.json() if got.status_code == 200 else None

    def submit(self, assignment, answer='a'):
        requests.post(f"{URL}/api/v1/worker/assignments/{assignment['id']}/submit", headers=self.headers,
                      json={'solutions': [{'output_values': {'result': answer}} for _ in assignment['tasks']]})

    def answer_all(self, pool_id, answer='a'):
        done = []
        while (assignment := self.take(pool_id)) is not None:
            self.submit(assignment, answer)
            done.append(assignment['id'])
        return done


spec = toloka.project.task_spec.TaskSpec(
    input_spec={'text': toloka.project.StringSpec()},
    output_spec={'result': toloka.project.StringSpec(allowed_values=['a', 'b'])},
    view_spec=toloka.project.ClassicViewSpec(markup='<p>{{text}}</p>'))
project = client.create_project(toloka.Project(public_name='More', public_description='d', task_spec=spec))
pool = client.create_pool(pool_of(project.id, 'paged', auto_accept_solutions=False))
made = client.create_tasks([toloka.Task(pool_id=pool.id, input_values={'text': f'p{i}'}) for i in range(7)],
                           allow_defaults=True)
ids = sorted(t.id for t in made.items.values())

# 1. Iterators over many small pages, finds with sort both ways, limits and range filters.
check('get_tasks.batch_size', lambda: [t.id for t in client.get_tasks(pool_id=pool.id, batch_size=2)] == ids)
check('find_tasks.sort_created', lambda: [t.id for t in client.find_tasks(
    pool_id=pool.id, sort=['created', 'id'], limit=7).items] == ids)
check('find_tasks.sort_-created', lambda: [t.id for t in client.find_tasks(
    pool_id=pool.id, sort=['-created', '-id'], limit=3).items] == ids[::-1][:3])
check('find_tasks.has_more', lambda: client.find_tasks(pool_id=pool.id, limit=3).has_more
      and not client.find_tasks(pool_id=pool.id, limit=7).has_more)
check('find_tasks.id_gt', lambda: [t.id for t in client.find_tasks(pool_id=pool.id, id_gt=ids[4]).items] == ids[5:])
check('find_tasks.id_lte', lambda: [t.id for t in client.find_tasks(pool_id=pool.id, id_lte=ids[1]).items]
      == ids[:2])
third = client.get_task(ids[3])
check('find_tasks.created_gte', lambda: set(ids[3:]) <= {t.id for t in client.find_tasks(
    pool_id=pool.id, created_gte=third.created).items})
check('find_tasks.created_lt', lambda: ids[3] not in {t.id for t in client.find_tasks(
    pool_id=pool.id, created_lt=third.created).items})
check('find_tasks.overlap', lambda: len(client.find_tasks(pool_id=pool.id, overlap=1).items) == 7
      and client.find_tasks(pool_id=pool.id, overlap=2).items == [])
check('find_tasks.overlap_gte', lambda: client.find_tasks(pool_id=pool.id, overlap_gte=2).items == []
      and len(client.find_tasks(pool_id=pool.id, overlap_lte=1).items) == 7)
more_pools = [client.create_pool(pool_of(project.id, f'more {i}')) for i in range(3)]
pool_ids = sorted([pool.id] + [p.id for p in more_pools])
check('get_pools.batch_size', lambda: [p.id for p in client.get_pools(project_id=project.id, batch_size=1)]
      == pool_ids)
check('find_pools.sort_-created', lambda: [p.id for p in client.find_pools(
    project_id=project.id, sort=['-created', '-id']).items] == pool_ids[::-1])
check('find_pools.status', lambda: [p.id for p in client.find_pools(project_id=project.id, status='CLOSED').items]
      == pool_ids)
check('get_projects.batch_size', lambda: project.id in [p.id for p in client.get_projects(batch_size=1)])
check('find_projects.id_gte', lambda: [p.id for p in client.find_projects(id_gte=project.id).items] == [project.id])
check('get_operations.batch_size', lambda: len(list(client.get_operations(type='TASK.BATCH_CREATE', batch_size=1)))
      >= 1)

# 2. Batches: partial results, defaults, opening the pool with the batch, suites likewise.
mixed = [toloka.Task(pool_id=pool.id, input_values={'text': 'fine'}),
         toloka.Task(pool_id=pool.id, input_values={'wrong': 'x'}),
         toloka.Task(pool_id=pool.id, input_values={'text': 'fine too'})]
partial = check('create_tasks.skip_invalid_items', lambda: client.create_tasks(
    mixed, allow_defaults=True, skip_invalid_items=True))
check('create_tasks.skip_invalid_items.items', lambda: sorted(partial.items) == ['0', '2']
      and texts(partial.items[k] for k in ('0', '2')) == ['fine', 'fine too'])
check('create_tasks.skip_invalid_items.errors', lambda: list(partial.validation_errors) == ['1']
      and partial.validation_errors['1'])
def invalid_items(fn, *indexes):
    """toloka-kit's ValidationApiError for a batch with invalid items (and no skip_invalid_items): Toloka ends
    its operation FAIL and toloka-kit reads each invalid item's faults from the log, by index."""
    exc = _raised(fn)
    return isinstance(exc, ValidationApiError) and sorted(exc.payload) == list(indexes) \
        and all(exc.payload[i] for i in indexes)


check('create_tasks.invalid.refused', lambda: invalid_items(lambda: client.create_tasks(
    [toloka.Task(pool_id=pool.id, input_values={'wrong': 'x'})], allow_defaults=True), '0')
      and refusal(lambda: client.create_tasks([toloka.Task(pool_id=pool.id, input_values={'wrong': 'x'})],
                                              allow_defaults=True, async_mode=False), 400))
held = len(list(client.get_tasks(pool_id=pool.id)))
check('create_tasks.mixed.refused_whole', lambda: invalid_items(lambda: client.create_tasks(
    mixed, allow_defaults=True), '1') and len(list(client.get_tasks(pool_id=pool.id))) == held)
check('create_tasks.sync.skip_invalid_items', lambda: sorted(client.create_tasks(
    mixed, allow_defaults=True, skip_invalid_items=True, async_mode=False).items) == ['0', '2'])
check('create_tasks.no_defaults', lambda: invalid_items(lambda: client.create_tasks(
    [toloka.Task(pool_id=pool.id, input_values={'text': 'no overlap'})]), '0'))
check('create_tasks.overlap_given', lambda: client.create_tasks(
    [toloka.Task(pool_id=pool.id, input_values={'text': 'given'}, overlap=1)]).items['0'].overlap == 1)
opened = client.create_pool(pool_of(project.id, 'opened by tasks'))
check('create_tasks.open_pool', lambda: (client.create_tasks(
    [toloka.Task(pool_id=opened.id, input_values={'text': 'o'})], allow_defaults=True, open_pool=True),
    client.get_pool(opened.id).is_open())[1])
client.close_pool(opened.id)
suites = client.create_pool(pool_of(project.id, 'suites'))
suite_batch = check('create_task_suites.skip_invalid_items', lambda: client.create_task_suites([
    toloka.TaskSuite(pool_id=suites.id, overlap=1, tasks=[toloka.Task(input_values={'text': 'ok'})]),
    toloka.TaskSuite(pool_id=suites.id, overlap=1, tasks=[toloka.Task(input_values={'bad': 1})])],
    skip_invalid_items=True))
check('create_task_suites.partial', lambda: list(suite_batch.items) == ['0'] and list(suite_batch.validation_errors)
      == ['1'])
check('create_task_suites.open_pool', lambda: (client.create_task_suites([toloka.TaskSuite(
    pool_id=suites.id, overlap=1, tasks=[toloka.Task(input_values={'text': 'go'})])], open_pool=True),
    client.get_pool(suites.id).is_open())[1])
client.close_pool(suites.id)
suite_id = suite_batch.items['0'].id if suite_batch else '0'
check('find_task_suites.task_id', lambda: [s.id for s in client.find_task_suites(
    task_id=client.get_task_suite(suite_id).tasks[0].id).items] == [suite_id])
check('find_task_suites.overlap', lambda: len(client.find_task_suites(pool_id=suites.id, overlap=1).items) == 2
      and client.find_task_suites(pool_id=suites.id, overlap_gt=1).items == [])
check('patch_task_suite.infinite_overlap', lambda: client.patch_task_suite(
    suite_id, infinite_overlap=False, overlap=2).overlap == 2)
check('patch_pool.priority', lambda: client.patch_pool(suites.id, priority=5).priority == 5)
check('patch_task.infinite_overlap', lambda: client.patch_task(ids[0], infinite_overlap=False, overlap=1).overlap
      == 1)

# 3. Reads of one object by id, and the wrong id.
hook = client.upsert_webhook_subscriptions([dict(
    webhook_url='http://127.0.0.1:9/more', event_type='POOL_CLOSED', pool_id=pool.id)]).items['0']
check('get_webhook_subscription', lambda: client.get_webhook_subscription(hook.id).event_type.value
      == 'POOL_CLOSED')
SKILL = f'more-skill-{uuid.uuid4().hex[:8]}'
skill = client.create_skill(name=SKILL, hidden=True)
person = Person('more-one')
given = client.set_user_skill(skill_id=skill.id, user_id=person.id, value=Decimal(40))
check('get_user_skill', lambda: client.get_user_skill(given.id).value == 40)
check('get_user_skill.exact_value', lambda: client.set_user_skill(
    skill_id=skill.id, user_id=person.id, value=Decimal('55.5')).exact_value == Decimal('55.5'))
MISSING = '999999999999'
check('missing.get_pool', lambda: refusal(lambda: client.get_pool(MISSING), 404, 'DOES_NOT_EXIST'))
check('missing.DoesNotExistApiError', lambda: refusal(lambda: client.get_task(MISSING), 404)
      and isinstance(_raised(lambda: client.get_task(MISSING)), DoesNotExistApiError))
check('missing.get_attachment', lambda: refusal(lambda: client.get_attachment(MISSING), 404))
check('missing.get_user_skill', lambda: refusal(lambda: client.get_user_skill(MISSING), 404))
check('missing.get_webhook_subscription', lambda: refusal(lambda: client.get_webhook_subscription(MISSING), 404))
check('missing.get_operation', lambda: refusal(
    lambda: client.get_operation('00000000-0000-0000-0000-000000000000'), 404))


# 4. Work, review on every state, attachments.
client.open_pool(pool.id)
assignment = person.take(pool.id)
check('get_assignment.active', lambda: client.get_assignment(assignment['id']).status == toloka.Assignment.ACTIVE)
check('accept_assignment.active', lambda: refusal(lambda: client.accept_assignment(assignment['id'], 'x'), 409))
check('reject_assignment.active', lambda: refusal(lambda: client.reject_assignment(assignment['id'], 'x'), 409))
upload = requests.post(f"{URL}/api/v1/worker/assignments/{assignment['id']}/attachments?name=note.txt",
                       data=b'written by a worker', headers={**person.headers, 'Content-Type': 'text/plain'})
person.submit(assignment)
attachment_id = upload.json().get('id') if upload.status_code == 201 else None
check('get_attachment', lambda: client.get_attachment(attachment_id).name == 'note.txt')
check('get_attachment.details', lambda: client.get_attachment(attachment_id).details.assignment_id
      == assignment['id'])
check('find_attachments.sort', lambda: [a.id for a in client.find_attachments(
    pool_id=pool.id, sort=['-created']).items] == [attachment_id])
check('find_attachments.owner_id.refused', lambda: refusal(lambda: client.find_attachments(owner_id='1'), 400))
check('find_attachments.name', lambda: [a.id for a in client.find_attachments(name='note.txt').items]
      == [attachment_id] and client.find_attachments(name='other.txt').items == [])


def download():
    out = io.BytesIO()
    client.download_attachment(attachment_id, out)
    return out.getvalue() == b'written by a worker'


check('download_attachment', download)
answered = [assignment['id'], *person.answer_all(pool.id)]
check('accept_assignment', lambda: client.accept_assignment(answered[0], 'good').status == toloka.Assignment.ACCEPTED)
check('accept_assignment.again', lambda: client.accept_assignment(answered[0], 'again').public_comment == 'good')
check('reject_assignment.accepted', lambda: refusal(lambda: client.reject_assignment(answered[0], 'late'), 409))
check('reject_assignment', lambda: client.reject_assignment(answered[1], 'bad').status == toloka.Assignment.REJECTED)
check('accept_assignment.rejected', lambda: client.accept_assignment(answered[1], 'changed my mind').status
      == toloka.Assignment.ACCEPTED)
check('patch_assignment.accepted', lambda: refusal(lambda: client.patch_assignment(
    answered[1], public_comment='x', status='REJECTED'), 409))
check('find_assignments.sort_submitted', lambda: [a.id for a in client.find_assignments(
    pool_id=pool.id, status='SUBMITTED', sort=['submitted']).items] == answered[2:])
check('find_assignments.accepted_gte', lambda: {a.id for a in client.find_assignments(
    pool_id=pool.id, accepted_gte=datetime.datetime(2000, 1, 1)).items} == set(answered[:2]))
check('find_assignments.task_id', lambda: [a.id for a in client.find_assignments(task_id=ids[0]).items]
      == [answered[0]])
check('find_assignments.user_id', lambda: len(client.find_assignments(user_id=person.id, pool_id=pool.id).items)
      == len(answered))
check('get_task.remaining_overlap', lambda: client.get_task(ids[0]).remaining_overlap == 0
      and client.create_tasks([toloka.Task(pool_id=pool.id, input_values={'text': 'fresh'}, overlap=2)],
                              async_mode=False).items['0'].remaining_overlap == 2)
check('get_assignments.batch_size', lambda: [a.id for a in client.get_assignments(pool_id=pool.id, batch_size=2)]
      == sorted(answered))
check('get_assignments_df.status', lambda: len(client.get_assignments_df(pool.id, status=['SUBMITTED']))
      == len(answered) - 2)
for later in answered[2:]:
    client.accept_assignment(later, 'ok')

# 5. Cursors as toloka.streaming reads them: by a time field, `*_gte`/`*_lte`, sorted by it.
check('AssignmentCursor.ACCEPTED', lambda: sorted(e.assignment.id for e in AssignmentCursor(
    pool_id=pool.id, event_type='ACCEPTED', toloka_client=client, time_lag=NOW)) == sorted(answered))
check('AssignmentCursor.REJECTED', lambda: [e.assignment.id for e in AssignmentCursor(
    pool_id=pool.id, event_type='REJECTED', toloka_client=client, time_lag=NOW)] == [answered[1]])
check('TaskCursor', lambda: len(list(TaskCursor(pool_id=pool.id, toloka_client=client, time_lag=NOW))) == len(
    list(client.get_tasks(pool_id=pool.id))))
client.create_user_bonuses([toloka.UserBonus(user_id=person.id, amount=Decimal('0.05'), without_message=True)])
check('UserBonusCursor', lambda: len(list(UserBonusCursor(user_id=person.id, toloka_client=client, time_lag=NOW)))
      == 1)
check('UserSkillCursor', lambda: [e.user_skill.id for e in UserSkillCursor(
    user_id=person.id, event_type='MODIFIED', toloka_client=client, time_lag=NOW)] == [given.id])


# 6. The streaming pipeline run to its end: submissions accepted as they come, the close seen.
def run_pipeline():
    piped = client.create_pool(pool_of(project.id, 'piped', auto_accept_solutions=False))
    client.create_tasks([toloka.Task(pool_id=piped.id, input_values={'text': f'w{i}'}) for i in range(3)],
                        allow_defaults=True, open_pool=True)
    seen = {'submitted': [], 'accepted': [], 'closed': 0}
    answerer = Person('more-piped')

    def on_submitted(events):
        for event in events:
            seen['submitted'].append(event.assignment.id)
            client.accept_assignment(event.assignment.id, 'thanks')

    def on_accepted(events):
        seen['accepted'].extend(e.assignment.id for e in events)
        if len(seen['accepted']) == 3:
            client.close_pool(piped.id)

    def on_closed(closed_pool):
        seen['closed'] += 1

    assignments = AssignmentsObserver(client, piped.id, cursor_time_lag=NOW)
    assignments.on_submitted(on_submitted)
    assignments.on_accepted(on_accepted)
    status = PoolStatusObserver(client, piped.id)
    status.on_closed(on_closed)
    pipeline = Pipeline(period=datetime.timedelta(seconds=0.2))
    pipeline.register(assignments)
    pipeline.register(status)
    answerer.answer_all(piped.id)
    asyncio.run(asyncio.wait_for(pipeline.run(), 60))
    return (sorted(seen['submitted']) == sorted(seen['accepted']) and len(seen['accepted']) == 3
            and seen['closed'] == 1)


check('streaming.Pipeline', run_pipeline)


def run_async_pipeline():
    """The same on the asynchronous client, with coroutine callbacks."""
    piped = client.create_pool(pool_of(project.id, 'piped async', auto_accept_solutions=False))
    client.create_tasks([toloka.Task(pool_id=piped.id, input_values={'text': f'v{i}'}) for i in range(2)],
                        allow_defaults=True, open_pool=True)
    Person('more-piped-async').answer_all(piped.id)
    accepted, closed = [], []

    async def run():
        aclient = AsyncTolokaClient(TOKEN, url=URL, retries=0)

        async def on_submitted(events):
            for event in events:
                accepted.append((await aclient.accept_assignment(event.assignment.id, 'thanks')).id)

        assignments = AssignmentsObserver(aclient, piped.id, cursor_time_lag=NOW)
        assignments.on_submitted(on_submitted)
        status = PoolStatusObserver(aclient, piped.id)
        status.on_closed(closed.append)
        pipeline = Pipeline(period=datetime.timedelta(seconds=0.2))
        pipeline.register(assignments)
        pipeline.register(status)
        await asyncio.wait_for(pipeline.run(), 60)

    asyncio.run(run())
    return (len(accepted) == 2 and [p.id for p in closed] == [piped.id]
            and all(a.status == toloka.Assignment.ACCEPTED for a in client.get_assignments(pool_id=piped.id)))


check('streaming.Pipeline.async', run_async_pipeline)


# 7. The asynchronous client: the same calls, awaited; pages read with `async for`.
async def with_async_client():
    aclient = AsyncTolokaClient(TOKEN, url=URL, retries=0)
    got = await aclient.get_pool(pool.id)
    check('async.get_pool', lambda: got.id == pool.id)
    listed = [t.id async for t in aclient.get_tasks(pool_id=pool.id, batch_size=3)]
    check('async.get_tasks', lambda: listed == sorted(t.id for t in client.get_tasks(pool_id=pool.id)))
    page = await aclient.find_assignments(pool_id=pool.id, status='ACCEPTED', sort=['-id'], limit=2)
    check('async.find_assignments', lambda: [a.id for a in page.items] == sorted(answered)[::-1][:2])
    extra = await aclient.create_tasks([toloka.Task(pool_id=pool.id, input_values={'text': 'async'})],
                                       allow_defaults=True, async_mode=True)
    check('async.create_tasks', lambda: texts(extra.items.values()) == ['async'])
    op = await aclient.create_tasks_async([toloka.Task(pool_id=pool.id, input_values={'text': 'async op'})],
                                          allow_defaults=True)
    finished = await aclient.wait_operation(op)
    check('async.wait_operation', lambda: finished.status.value == 'SUCCESS')
    log = await aclient.get_operation_log(finished.id)
    check('async.get_operation_log', lambda: len(log) == 1 and log[0].success)
    closed = await aclient.close_pool(pool.id)
    check('async.close_pool', lambda: closed.status == toloka.Pool.Status.CLOSED)
    assignments = [a async for a in aclient.get_assignments(pool_id=pool.id)]
    check('async.get_assignments', lambda: sorted(a.id for a in assignments) == sorted(answered))
    try:
        await aclient.get_project(MISSING)
        check('async.missing', lambda: False)
    except DoesNotExistApiError:
        check('async.missing', lambda: True)


asyncio.run(with_async_client())

# 8. Trainings' asynchronous life, the operation log, analytics of a project's pools.
training = client.create_training(toloka.Training(
    project_id=project.id, private_name='more t', may_contain_adult_content=False, assignment_max_duration_seconds=60,
    mix_tasks_in_creation_order=False, shuffle_tasks_in_task_suite=False, training_tasks_in_task_suite_count=1,
    task_suites_required_to_pass=1, retry_training_after_days=1, inherited_instructions=True))
client.create_tasks([toloka.Task(pool_id=training.id, input_values={'text': 'l'}, known_solutions=[
    toloka.task.BaseTask.KnownSolution(output_values={'result': 'a'})])], allow_defaults=True)
opened_op = check('open_training_async', lambda: client.wait_operation(client.open_training_async(training.id)))
check('open_training_async.details', lambda: opened_op.status.value == 'SUCCESS'
      and client.get_training(training.id).is_open())
check('close_training_async.closed', lambda: client.wait_operation(client.close_training_async(training.id))
      and client.get_training(training.id).is_closed())
check('get_trainings.status', lambda: [t.id for t in client.get_trainings(project_id=project.id, status='CLOSED')]
      == [training.id])
check('get_operation_log.batch_create', lambda: all(item.success and item.output.get('task_id')
                                                    for item in client.get_operation_log(client.find_operations(
                                                        type='TASK.BATCH_CREATE', sort=['-submitted'],
                                                        limit=1).items[0].id)))
check('get_analytics.project', lambda: client.wait_operation(client.get_analytics([
    toloka.analytics_request.RealTasksCountPoolAnalytics(subject_id=pool.id),
    toloka.analytics_request.ApprovedAssignmentsCountPoolAnalytics(subject_id=pool.id)])).status.value == 'SUCCESS')
check('apps.not_found_or_refused', lambda: refusal(lambda: client.get_app_project('1'), 400, 'NOT_SUPPORTED')
      and refusal(lambda: list(client.get_apps()), 400, 'NOT_SUPPORTED'))

# 9. Finds over the rest of the resources, newest first and by range, as a dashboard script pages them.
LONG_AGO = datetime.datetime(2000, 1, 1, tzinfo=datetime.UTC)
client.set_user_restriction(toloka.user_restriction.PoolUserRestriction(
    user_id=person.id, pool_id=pool.id, private_comment='paged'))
client.set_user_restriction(toloka.user_restriction.ProjectUserRestriction(
    user_id=person.id, project_id=project.id, private_comment='paged'))
check('find_user_restrictions.sort_-created', lambda: [r.scope.value for r in client.find_user_restrictions(
    user_id=person.id, sort=['-created', '-id']).items] == ['PROJECT', 'POOL'])
check('find_user_restrictions.scope', lambda: [r.pool_id for r in client.find_user_restrictions(
    user_id=person.id, scope='POOL').items] == [pool.id])
check('get_user_restrictions.created_gte', lambda: len(list(client.get_user_restrictions(
    user_id=person.id, created_gte=LONG_AGO, batch_size=1))) == 2)
check('find_user_bonuses.sort_-created', lambda: [b.user_id for b in client.find_user_bonuses(
    sort=['-created'], limit=1).items] == [person.id])
check('find_user_skills.sort_-modified', lambda: [u.skill_id for u in client.find_user_skills(
    user_id=person.id, sort=['-modified']).items] == [skill.id])
check('find_skills.sort_-created', lambda: [k.id for k in client.find_skills(sort=['-created']).items]
      == sorted((k.id for k in client.get_skills()), reverse=True))
check('get_skills.name', lambda: [k.id for k in client.get_skills(name=SKILL)] == [skill.id])
check('find_webhook_subscriptions.event_type', lambda: [w.id for w in client.find_webhook_subscriptions(
    event_type='POOL_CLOSED', sort=['-created']).items] == [hook.id])
check('find_trainings.sort_-created', lambda: client.find_trainings(
    project_id=project.id, sort=['-created'], limit=1).items[0].id == training.id)
check('find_operations.status', lambda: all(o.status.value == 'SUCCESS' for o in client.find_operations(
    status='SUCCESS', submitted_gte=LONG_AGO, sort=['-finished'], limit=5).items))
thread = client.compose_message_thread(recipients_select_type='DIRECT', topic={'EN': 'More'}, text={'EN': 'Hi'},
                                       answerable=False, recipients_ids=[person.id])
check('find_message_threads.sort_-created', lambda: client.find_message_threads(
    sort=['-created'], limit=1).items[0].id == thread.id)
check('find_message_threads.folder_ne', lambda: thread.id not in [t.id for t in client.find_message_threads(
    folder_ne='OUTBOX').items])
check('get_message_threads.batch_size', lambda: thread.id in [t.id for t in client.get_message_threads(batch_size=1)])
def by_last_started():
    """Newest start first, never-started pools last (the same on both databases)."""
    found = client.find_pools(project_id=project.id, sort=['-last_started']).items
    started = [p.last_started for p in found if p.last_started is not None]
    every = list(client.get_pools(project_id=project.id))
    return (len(found) == len(every) and started == sorted(started, reverse=True)
            and all(p.last_started is None for p in found[len(started):]) and len(started) < len(found))


check('find_pools.sort_-last_started', by_last_started)
check('find_pools.sort_last_started', lambda: [p.last_started is None for p in client.find_pools(
    project_id=project.id, sort=['last_started']).items][-1])
check('find_projects.sort_public_name', lambda: [p.public_name for p in client.find_projects(
    sort=['public_name', '-id']).items] == sorted(p.public_name for p in client.get_projects()))
check('find_tasks.unknown_filter.refused', lambda: requests.get(
    f'{URL}/api/v1/tasks', params={'pool_id': pool.id, 'color': 'red'}, headers={'Authorization': f'OAuth {TOKEN}'}
).json()['payload']['color']['message'].startswith('is not a filter of this list'))


# 10. Cursors and metrics on the asynchronous client, as toloka.metrics' collectors read them.
async def with_metrics():
    from toloka.metrics import (
        AssignmentEventsInPool,
        AssignmentsInPool,
        Balance,
        BansInPool,
        NewUserBonuses,
        PoolCompletedPercentage,
        SpentBudgetOnPool,
        TasksInPool,
    )
    aclient = AsyncTolokaClient.from_sync_client(client)
    events = [e.assignment.id async for e in AssignmentCursor(
        pool_id=pool.id, event_type='SUBMITTED', toloka_client=aclient, time_lag=NOW)]
    check('async.AssignmentCursor', lambda: sorted(events) == sorted(answered))
    lines = {}
    for metric in (Balance(toloka_client=aclient), AssignmentsInPool(pool.id, toloka_client=aclient),
                   PoolCompletedPercentage(pool.id, toloka_client=aclient), TasksInPool(pool.id, toloka_client=aclient),
                   SpentBudgetOnPool(pool.id, toloka_client=aclient),
                   AssignmentEventsInPool(pool.id, toloka_client=aclient, cursor_time_lag=NOW),
                   BansInPool(pool.id, toloka_client=aclient, cursor_time_lag=NOW),
                   NewUserBonuses(toloka_client=aclient, cursor_time_lag=NOW)):
        name = type(metric).__name__
        try:
            lines[name] = await metric.get_lines()
        except Exception as exc:  # recorded as `check` records it
            RECORD[f'metrics.{name}'] = {'ok': False, 'error': type(exc).__name__, 'message': str(exc)[:300],
                                         'where': traceback.format_exc(limit=-2)[-500:]}
        else:
            RECORD[f'metrics.{name}'] = {'ok': isinstance(lines[name], dict) and bool(lines[name])}
    RECORD['metric_lines'] = {name: {line: [value for _, value in points] for line, points in found.items()}
                              for name, found in lines.items()}


asyncio.run(with_metrics())

# 11. The other cursors, missing ids of other kinds, and actions a pool's or project's state forbids.
check('UserRestrictionCursor', lambda: len(list(UserRestrictionCursor(
    user_id=person.id, toloka_client=client, time_lag=NOW))) == 2)
check('MessageThreadCursor', lambda: thread.id in [e.message_thread.id for e in MessageThreadCursor(
    toloka_client=client, time_lag=NOW)])
check('missing.others', lambda: all(isinstance(_raised(fn), DoesNotExistApiError) for fn in (
    lambda: client.get_user(MISSING), lambda: client.get_skill(MISSING), lambda: client.get_training(MISSING),
    lambda: client.delete_webhook_subscription(MISSING), lambda: client.delete_user_restriction(MISSING))))
spent = client.create_pool(pool_of(project.id, 'spent'))
client.archive_pool(spent.id)
check('archived_pool.refused', lambda: all(isinstance(_raised(fn), (IncorrectActionsApiError, ConflictStateApiError))
                                           for fn in (lambda: client.open_pool(spent.id),
                                                      lambda: client.patch_pool(spent.id, priority=3))))
busy = client.create_pool(pool_of(project.id, 'busy'))
client.create_tasks([toloka.Task(pool_id=busy.id, input_values={'text': 'b'})], allow_defaults=True, open_pool=True)
check('open_pool.archive_refused', lambda: isinstance(_raised(lambda: client.archive_pool(busy.id)),
                                                      IncorrectActionsApiError)
      and isinstance(_raised(lambda: client.archive_project(project.id)), ConflictStateApiError))
client.close_pool(busy.id)

# 12. Settings clipcrowd cannot honour are refused naming them, never stored and ignored.
def names(field):
    """A call refused by toloka-kit's ValidationApiError whose message names `field` as not supported."""
    return lambda fn: isinstance(exc := _raised(fn), ValidationApiError) and field in exc.message \
        and 'not supported' in exc.message


check('refused.reserved_for', lambda: names('reserved_for')(lambda: client.create_tasks(
    [toloka.Task(pool_id=pool.id, input_values={'text': 'only you'}, reserved_for=[person.id])], allow_defaults=True)))
check('refused.speed_quality_balance', lambda: names('speed_quality_balance')(lambda: client.create_pool(pool_of(
    project.id, 'by rating', speed_quality_balance=toloka.pool.speed_quality_balance_config.TopPercentageByQuality(
        percent=50)))))
check('pool.auto_close_delay', lambda: client.create_pool(pool_of(
    project.id, 'waits', auto_close_after_complete_delay_seconds=600)).auto_close_after_complete_delay_seconds == 600)
check('refused.dynamic_pricing_config', lambda: names('dynamic_pricing_config')(lambda: client.create_pool(pool_of(
    project.id, 'priced', dynamic_pricing_config=toloka.pool.dynamic_pricing_config.DynamicPricingConfig(
        type='SKILL', skill_id=skill.id, intervals=[toloka.pool.dynamic_pricing_config.DynamicPricingConfig.Interval(
            from_=50, reward_per_assignment=0.05)])))))
check('refused.map_selector', lambda: names('assignments_issuing_type')(lambda: client.create_project(toloka.Project(
    public_name='Map', public_description='d', task_spec=spec, assignments_issuing_type='MAP_SELECTOR',
    assignments_issuing_view_config=toloka.project.Project.AssignmentsIssuingViewConfig(
        title_template='{{inputParams.text}}', description_template='on a map')))))
check('refused.languages_verified', lambda: names('verified=True')(lambda: client.create_pool(pool_of(
    project.id, 'verified', filter=toloka.filter.Languages.in_('EN', verified=True)))))

# 13. Settings once stored and ignored: honoured, or refused naming them; pools and trainings apart;
# asynchronous batches of invalid items end in a failed operation whose log says why.
limited = client.create_project(toloka.Project(public_name='One at a time', public_description='d', task_spec=spec,
                                               max_active_assignments_count=1))
two_pools = [client.create_pool(pool_of(limited.id, f'limited {i}')) for i in range(2)]
for each in two_pools:
    client.create_tasks([toloka.Task(pool_id=each.id, input_values={'text': 'x'})], allow_defaults=True,
                        open_pool=True)
holder = Person('holder')
held = holder.take(two_pools[0].id)
check('max_active_assignments_count', lambda: client.get_project(limited.id).max_active_assignments_count == 1
      and held is not None and holder.take(two_pools[1].id) is None)
holder.submit(held)
check('max_active_assignments_count.after_submit', lambda: holder.take(two_pools[1].id) is not None)
for each in two_pools:
    client.close_pool(each.id)


def issued_order(in_creation_order):
    """The texts of a pool's ten suites in the order one worker got them."""
    config = toloka.Pool.AssignmentsIssuingConfig(issue_task_suites_in_creation_order=in_creation_order)
    ordered = client.create_pool(pool_of(project.id, f'order {in_creation_order}', assignments_issuing_config=config))
    client.create_task_suites([toloka.TaskSuite(pool_id=ordered.id, overlap=1, tasks=[toloka.Task(
        input_values={'text': f'o{i}'})]) for i in range(10)], open_pool=True)
    one, got = Person('in-turn'), []
    while (suite := one.take(ordered.id)) is not None:
        got.append(suite['tasks'][0]['input_values']['text'])
        one.submit(suite)
    return got


IN_CREATION = [f'o{i}' for i in range(10)]
check('issue_task_suites_in_creation_order', lambda: issued_order(True) == IN_CREATION)
check('issue_task_suites_in_random_order', lambda: sorted(got := issued_order(False)) == sorted(IN_CREATION)
      and got != IN_CREATION)  # 10! orders: creation order by chance once in 3.6 million
check('refused.assignments_automerge_enabled', lambda: names('assignments_automerge_enabled')(
    lambda: client.create_project(toloka.Project(public_name='Merged', public_description='d', task_spec=spec,
                                                 assignments_automerge_enabled=True))))
check('refused.latitude', lambda: names('latitude')(lambda: client.create_task_suite(toloka.TaskSuite(
    pool_id=pool.id, overlap=1, latitude=55.75, longitude=37.62, tasks=[toloka.Task(input_values={'text': 'x'})]))))
check('missing.get_pool.training', lambda: isinstance(_raised(lambda: client.get_pool(training.id)),
                                                      DoesNotExistApiError)
      and isinstance(_raised(lambda: client.get_training(pool.id)), DoesNotExistApiError)
      and isinstance(_raised(lambda: client.open_pool(training.id)), DoesNotExistApiError))
bad_task = toloka.Task(pool_id=pool.id, input_values={'wrong': 'x'})
failed_op = check('create_tasks_async.invalid', lambda: client.wait_operation(client.create_tasks_async(
    [bad_task, bad_task], allow_defaults=True)))
check('create_tasks_async.invalid.log', lambda: failed_op.status.value == 'FAIL' and [
    (item.success, 'input_values.wrong' in item.output) for item in client.get_operation_log(failed_op.id)]
    == [(False, True)] * 2)
check('create_task_suites_async.invalid', lambda: client.wait_operation(client.create_task_suites_async([
    toloka.TaskSuite(pool_id=pool.id, overlap=1, tasks=[toloka.Task(input_values={'wrong': 'x'})])])).status.value
    == 'FAIL')
check('create_task_suites.invalid', lambda: invalid_items(lambda: client.create_task_suites([toloka.TaskSuite(
    pool_id=pool.id, overlap=1, tasks=[toloka.Task(input_values={'wrong': 'x'})])]), '0'))


def no_one():
    """A bonus for a worker who does not exist (a new object each time: toloka-kit numbers the objects it sends)."""
    return toloka.UserBonus(user_id=MISSING, amount=Decimal('0.10'), public_title={'EN': 't'},
                            public_message={'EN': 'm'})


check('create_user_bonuses_async.invalid', lambda: client.wait_operation(client.create_user_bonuses_async(
    [no_one()])).status.value == 'FAIL')
check('create_user_bonuses.invalid', lambda: invalid_items(lambda: client.create_user_bonuses([no_one(), no_one()]),
                                                           '0', '1'))


# 14. The mixer as toloka-kit's set_mixer_config sends it: order, shuffling, the short last suite.
def mixed_in_turn(count, **mixer):
    """The texts of every suite one worker gets from a new pool of `count` tasks m0, m1, ..."""
    mixed = pool_of(project.id, f'mixer {sorted(mixer)}')
    mixed.set_mixer_config(**{'real_tasks_count': 1, 'golden_tasks_count': 0, **mixer})
    mixed = client.create_pool(mixed)
    client.create_tasks([toloka.Task(pool_id=mixed.id, input_values={'text': f'm{i}'}) for i in range(count)],
                        allow_defaults=True, open_pool=True)
    one, got = Person('mixed'), []
    while (suite := one.take(mixed.id)) is not None:
        got.append([t['input_values']['text'] for t in suite['tasks']])
        one.submit(suite)
    client.close_pool(mixed.id)
    return got


IN_ORDER = [[f'm{i}'] for i in range(10)]
check('mixer.mix_tasks_in_creation_order', lambda: mixed_in_turn(10, mix_tasks_in_creation_order=True) == IN_ORDER)
check('mixer.mix_tasks_at_random', lambda: sorted(got := mixed_in_turn(10, mix_tasks_in_creation_order=False))
      == IN_ORDER and got != IN_ORDER)
check('mixer.shuffle_tasks_in_task_suite', lambda: mixed_in_turn(
    8, real_tasks_count=8, shuffle_tasks_in_task_suite=False) == [[f'm{i}' for i in range(8)]])
check('mixer.force_last_assignment', lambda: mixed_in_turn(
    5, real_tasks_count=2, force_last_assignment=False, shuffle_tasks_in_task_suite=False)
    == [['m0', 'm1'], ['m2', 'm3']] and mixed_in_turn(5, real_tasks_count=2, shuffle_tasks_in_task_suite=False)
    == [['m0', 'm1'], ['m2', 'm3'], ['m4']])
check('refused.golden_task_distribution_function', lambda: names('golden_task_distribution_function')(
    lambda: client.create_pool(pool_of(project.id, 'distributed', mixer_config=toloka.pool.MixerConfig(
        real_tasks_count=1, golden_tasks_count=1, golden_task_distribution_function=toloka.pool.mixer_config.
        TaskDistributionFunction(scope='PROJECT', distribution='UNIFORM', window_days=5, intervals=[
            toloka.pool.mixer_config.TaskDistributionFunction.Interval(to=50, frequency=5)]))))))


# 15. More settings once stored and ignored: a pool's priority and texts, a skill's lifetime; quality
# control where it cannot run (a project's, selective majority vote) refused naming it.
def listed_pools(someone):
    got = requests.get(f'{URL}/api/v1/worker/pools', headers=someone.headers).json()['items']
    return [p['id'] for p in got]


ranked = client.create_project(toloka.Project(public_name='Ranked', public_description='project words',
                                              public_instructions='project rules', task_spec=spec))
low, high = (client.create_pool(pool_of(ranked.id, name, public_description=f'{name} words'))
             for name in ('low', 'high'))
for each in (low, high):
    client.create_tasks([toloka.Task(pool_id=each.id, input_values={'text': 'r'})], allow_defaults=True, open_pool=True)
reader = Person('ranked')
check('pool.priority', lambda: client.patch_pool(high.id, priority=20).priority == 20
      and [i for i in listed_pools(reader) if i in (low.id, high.id)] == [high.id, low.id])
check('pool.public_description', lambda: {p['id']: p['description'] for p in requests.get(
    f'{URL}/api/v1/worker/pools', headers=reader.headers).json()['items'] if p['id'] in (low.id, high.id)}
    == {low.id: 'low words', high.id: 'high words'})
for each in (low, high):
    client.close_pool(each.id)
check('create_skill.skill_ttl_hours', lambda: client.create_skill(
    name=f'brief-{uuid.uuid4().hex[:6]}', skill_ttl_hours=48).skill_ttl_hours == 48)
qc_rule = toloka.quality_control.QualityControl()
qc_rule.add_action(collector=toloka.collectors.SkippedInRowAssignments(),
                   conditions=[toloka.conditions.SkippedInRowCount >= 3],
                   action=toloka.actions.RestrictionV2(scope='PROJECT', duration=1, duration_unit='DAYS',
                                                       private_comment='skips'))
check('refused.project_quality_control', lambda: names('quality_control')(lambda: client.create_project(
    toloka.Project(public_name='Checked', public_description='d', task_spec=spec, quality_control=qc_rule))))
checkpoints = toloka.quality_control.QualityControl(checkpoints_config=toloka.quality_control.QualityControl.
    CheckpointsConfig(real_settings=toloka.quality_control.QualityControl.CheckpointsConfig.Settings(
        target_overlap=5, task_distribution_function=toloka.pool.mixer_config.TaskDistributionFunction(
            scope='POOL', distribution='UNIFORM', window_days=1, intervals=[
                toloka.pool.mixer_config.TaskDistributionFunction.Interval(to=100, frequency=5)]))))
check('refused.checkpoints_config', lambda: names('checkpoints_config')(lambda: client.create_pool(pool_of(
    project.id, 'checkpoints', quality_control=checkpoints))))
RECORD['cpu_seconds'] = time.process_time()
print('RECORD ' + json.dumps(RECORD, default=str))
