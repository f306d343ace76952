# A broad pass over toloka-kit 1.2.3's requester calls against a live clipcrowd. Every call is run
# through `call()`, which records whether it returned or what it raised; the last line prints the
# record as JSON for the test that drives this script. A simulated crowd (started by that test)
# answers the pool while the script waits for it to close.
import datetime
import json
import os
import time
import traceback
from decimal import Decimal

import requests
import toloka.client as toloka
from toloka.client import analytics_request as analytics
from toloka.client import user_restriction as restriction
from toloka.client.actions import (
    ApproveAllAssignments,
    ChangeOverlap,
    RejectAllAssignments,
    RestrictionV2,
    SetSkillFromOutputField,
)
from toloka.client.collectors import AssignmentsAssessment, Captcha, GoldenSet, Income, MajorityVote, UsersAssessment
from toloka.client.conditions import (
    AssessmentEvent,
    CorrectAnswersRate,
    GoldenSetAnswersCount,
    IncomeSumForLast24Hours,
    PoolAccessRevokedReason,
    RuleConditionKey,
    StoredResultsCount,
    SuccessRate,
    TotalAnswersCount,
)
from toloka.client.user_restriction import DurationUnit

client = toloka.TolokaClient(os.environ['CLIPCROWD_TOKEN'], url=os.environ['CLIPCROWD_URL'], retries=0)
REPORT = {}


def call(name, fn):
    """Run one call; record `ok` and a short summary, or the error's class and text."""
    try:
        value = fn()
        REPORT[name] = {'ok': True}
        return value
    except Exception as exc:  # the record is the point: every failure is kept, none stops the pass
        REPORT[name] = {'ok': False, 'error': type(exc).__name__, 'message': str(exc)[:400],
                        'code': getattr(exc, 'code', None), 'status': getattr(exc, 'status_code', None),
                        'where': traceback.format_exc(limit=-2)[-600:]}
        return None


def new_pool(project_id, name, **extra):
    return toloka.Pool(
        project_id=project_id, private_name=name, may_contain_adult_content=False,
        reward_per_assignment=0.01, assignment_max_duration_seconds=600,
        will_expire=datetime.datetime.utcnow() + datetime.timedelta(days=30),
        defaults=toloka.Pool.Defaults(default_overlap_for_new_task_suites=2), **extra)


project = toloka.Project(
    public_name='Surface', public_description='Pick a label',
    task_spec=toloka.project.task_spec.TaskSpec(
        input_spec={'text': toloka.project.StringSpec()},
        output_spec={'result': toloka.project.StringSpec(allowed_values=['a', 'b'])},
        view_spec=toloka.project.ClassicViewSpec(markup='<p>{{text}}</p>'),
    ),
)
project = call('create_project', lambda: client.create_project(project))
pool = call('create_pool', lambda: client.create_pool(new_pool(project.id, 'main', auto_accept_solutions=False)))
skill = call('create_skill', lambda: client.create_skill(name='surface-weight', hidden=True))

# 1. Creating tasks and suites one by one or in lists: whatever the client expects back.
task = call('create_task', lambda: client.create_task(
    toloka.Task(pool_id=pool.id, input_values={'text': 'one'}), allow_defaults=True))
call('create_task.returns_task', lambda: (task.id, task.input_values['text'] == 'one' or 1 / 0))
call('create_task.sync', lambda: client.create_task(
    toloka.Task(pool_id=pool.id, input_values={'text': 'sync'}), allow_defaults=True, async_mode=False).id)
made = call('create_tasks', lambda: client.create_tasks(
    [toloka.Task(pool_id=pool.id, input_values={'text': f't{i}'}) for i in range(3)], allow_defaults=True))
call('create_tasks.count', lambda: len(made.items) == 3 or 1 / 0)
call('create_tasks.sync', lambda: client.create_tasks(
    [toloka.Task(pool_id=pool.id, input_values={'text': 'ts'})], allow_defaults=True, async_mode=False))
REPORT['tasks_created_before_suites'] = len(list(client.get_tasks(pool_id=pool.id)))
call('patch_task_overlap_or_min', lambda: client.patch_task_overlap_or_min(task.id, overlap=2))
call('patch_task', lambda: client.patch_task(task.id, overlap=2))
suite_pool = call('create_pool.suites', lambda: client.create_pool(new_pool(project.id, 'suites')))
suite = call('create_task_suite', lambda: client.create_task_suite(toloka.TaskSuite(
    pool_id=suite_pool.id, overlap=1,
    tasks=[toloka.Task(input_values={'text': 's1'}), toloka.Task(input_values={'text': 's2'})])))
call('create_task_suite.sync', lambda: client.create_task_suite(toloka.TaskSuite(
    pool_id=suite_pool.id, overlap=1, tasks=[toloka.Task(input_values={'text': 's3'})]), async_mode=False).id)
call('create_task_suites', lambda: len(client.create_task_suites([
    toloka.TaskSuite(pool_id=suite_pool.id, overlap=1, tasks=[toloka.Task(input_values={'text': f'm{i}'})])
    for i in range(2)]).items) == 2 or 1 / 0)
SUITE_ID = getattr(suite, 'id', '000000000001')
call('get_task_suite', lambda: client.get_task_suite(SUITE_ID).tasks[1].input_values['text'] == 's2' or 1 / 0)
call('get_task_suites', lambda: len(list(client.get_task_suites(pool_id=suite_pool.id))) == 4 or 1 / 0)
call('patch_task_suite', lambda: client.patch_task_suite(
    SUITE_ID, overlap=3).overlap == 3 or 1 / 0)
call('patch_task_suite.issuing_order', lambda: client.patch_task_suite(
    SUITE_ID, issuing_order_override=10).issuing_order_override == 10 or 1 / 0)
call('patch_task_suite_overlap_or_min', lambda: client.patch_task_suite_overlap_or_min(
    SUITE_ID, overlap=2).overlap == 2 or 1 / 0)
REPORT['suites'] = [sorted(t.input_values['text'] for t in s.tasks)
                    for s in client.get_task_suites(pool_id=suite_pool.id)]

# Trainings: a training pool with known solutions and hints, required by a pool.
training = call('create_training', lambda: client.create_training(toloka.Training(
    project_id=project.id, private_name='t', may_contain_adult_content=False, assignment_max_duration_seconds=60,
    mix_tasks_in_creation_order=False, shuffle_tasks_in_task_suite=False, training_tasks_in_task_suite_count=1,
    task_suites_required_to_pass=1, retry_training_after_days=1, inherited_instructions=True)))
call('create_tasks.training', lambda: len(client.create_tasks([toloka.Task(
    pool_id=training.id, input_values={'text': f'learn {i}'}, message_on_unknown_solution='it is a',
    known_solutions=[toloka.task.BaseTask.KnownSolution(output_values={'result': 'a'})]) for i in range(2)],
    allow_defaults=True).items) == 2 or 1 / 0)
call('get_training', lambda: client.get_training(training.id).private_name == 't' or 1 / 0)
call('get_trainings', lambda: [t.id for t in client.get_trainings(project_id=project.id)] == [training.id] or 1 / 0)
call('update_training', lambda: client.update_training(training.id, toloka.Training(
    project_id=project.id, private_name='t2', may_contain_adult_content=False, assignment_max_duration_seconds=60,
    mix_tasks_in_creation_order=False, shuffle_tasks_in_task_suite=False, training_tasks_in_task_suite_count=1,
    task_suites_required_to_pass=1, retry_training_after_days=1, inherited_instructions=True)).private_name == 't2'
    or 1 / 0)
call('open_training', lambda: client.open_training(training.id).status == toloka.Training.Status.OPEN or 1 / 0)
call('close_training', lambda: client.close_training(training.id).status == toloka.Training.Status.CLOSED
     or 1 / 0)
training_copy = call('clone_training', lambda: client.clone_training(training.id))
call('clone_training.same_project', lambda: (training_copy.project_id == project.id
                                             and training_copy.id != training.id) or 1 / 0)
call('archive_training', lambda: client.archive_training(training_copy.id).status
     == toloka.Training.Status.ARCHIVED or 1 / 0)
trained = new_pool(project.id, 'trained')
trained.quality_control.training_requirement = toloka.pool.QualityControl.TrainingRequirement(
    training_pool_id=getattr(training, 'id', '0'), training_passing_skill_value=70)
call('create_pool.training_requirement', lambda: client.create_pool(trained).quality_control
     .training_requirement.training_passing_skill_value == 70 or 1 / 0)
dynamic = new_pool(project.id, 'dynamic')
dynamic.dynamic_overlap_config = toloka.pool.DynamicOverlapConfig(
    type='BASIC', max_overlap=5, min_confidence=0.8, answer_weight_skill_id=skill.id,
    fields=[toloka.pool.DynamicOverlapConfig.Field(name='result')])
call('create_pool.dynamic_overlap', lambda: client.create_pool(dynamic).dynamic_overlap_config.max_overlap == 5
     or 1 / 0)
call('get_operations', lambda: len(list(client.get_operations(type='TASK.BATCH_CREATE'))) >= 2 or 1 / 0)

# 2. Pools and projects.
call('patch_pool', lambda: client.patch_pool(pool.id, priority=10).priority == 10 or 1 / 0)
clone = call('clone_pool', lambda: client.clone_pool(pool.id))
call('clone_pool.same_project', lambda: (clone.project_id == pool.project_id and clone.id != pool.id) or 1 / 0)
cloned = call('clone_project', lambda: client.clone_project(project.id))
call('clone_project.pools', lambda: len(cloned.pools) == 5 or 1 / 0)  # main, suites, trained, dynamic, clone
call('clone_project.trainings', lambda: len(cloned.trainings) == 2 or 1 / 0)  # the training and its copy

# Whether a project update would break its pools, without making it.
call('check_update_project.EQUAL', lambda: client.check_update_project_for_major_version_change(
    project.id, client.get_project(project.id)).value == 'EQUAL' or 1 / 0)
call('check_update_project.NON_BREAKING_CHANGE', lambda: client.check_update_project_for_major_version_change(
    project.id, toloka.Project(public_name='Surface', public_description='Pick one label', task_spec=project.task_spec)
).value == 'NON_BREAKING_CHANGE' or 1 / 0)
changed_spec = toloka.project.task_spec.TaskSpec(
    input_spec={'text': toloka.project.StringSpec()},
    output_spec={'result': toloka.project.StringSpec(allowed_values=['a', 'b', 'c'])},
    view_spec=toloka.project.ClassicViewSpec(markup='<p>{{text}}</p>'))
call('check_update_project.BREAKING_CHANGE', lambda: client.check_update_project_for_major_version_change(
    project.id, toloka.Project(public_name='Surface', public_description='Pick a label', task_spec=changed_spec)
).value == 'BREAKING_CHANGE' or 1 / 0)

# A pool's whole life by hand (no crowd comes: its tasks are control tasks only after the patch).
life = client.create_pool(new_pool(project.id, 'life'))
life_task = client.create_tasks([toloka.Task(pool_id=life.id, input_values={'text': 'l'})], allow_defaults=True,
                                async_mode=False).items['0']
call('patch_task.baseline_solutions', lambda: client.patch_task(life_task.id, baseline_solutions=[
    toloka.Task.BaselineSolution(output_values={'result': 'a'}, confidence_weight=0.5)]).overlap
    == life_task.overlap or 1 / 0)
call('patch_task.known_solutions', lambda: client.patch_task(life_task.id, known_solutions=[
    toloka.task.BaseTask.KnownSolution(output_values={'result': 'b'})], message_on_unknown_solution='b it is'
).known_solutions[0].output_values == {'result': 'b'} or 1 / 0)
call('patch_task.kept', lambda: (client.get_task(life_task.id).baseline_solutions[0].confidence_weight == 0.5
                                 and client.get_task(life_task.id).overlap == life_task.overlap) or 1 / 0)
call('close_pool_for_update', lambda: (client.open_pool(life.id), client.close_pool_for_update(life.id))[1]
     .last_close_reason == toloka.Pool.CloseReason.FOR_UPDATE or 1 / 0)
call('open_pool_async', lambda: client.wait_operation(client.open_pool_async(life.id)).status.value == 'SUCCESS'
     or 1 / 0)
call('close_pool_for_update_async', lambda: (client.wait_operation(client.close_pool_for_update_async(life.id))
     and client.get_pool(life.id).last_close_reason == toloka.Pool.CloseReason.FOR_UPDATE) or 1 / 0)
call('close_pool_async.closed', lambda: client.close_pool_async(life.id) is None or 1 / 0)  # nothing to do
call('archive_pool', lambda: client.archive_pool(life.id).status == toloka.Pool.Status.ARCHIVED or 1 / 0)
call('get_pools.status', lambda: [p.id for p in client.get_pools(project_id=project.id, status='ARCHIVED')]
     == [life.id] or 1 / 0)
call('find_pools.sort', lambda: client.find_pools(project_id=project.id, sort=['-id'], limit=1).items[0].id
     == life.id or 1 / 0)
call('find_tasks.sort', lambda: [t.id for t in client.find_tasks(pool_id=pool.id, sort=['-id'], limit=2).items]
     == sorted((t.id for t in client.get_tasks(pool_id=pool.id)), reverse=True)[:2] or 1 / 0)

# The app marketplace is not offered: every call is refused, with a message that says so.
def refused(fn):
    try:
        fn()
    except toloka.exceptions.ApiError as exc:
        return exc.code == 'NOT_SUPPORTED' and 'not supported' in exc.message and exc.status_code == 400
    return False


call('apps.refused', lambda: all(refused(fn) for fn in (
    lambda: list(client.get_app_projects()), lambda: client.get_app('1'),
    lambda: client.create_app_batch('1', items=[{'text': 'x'}]), lambda: client.start_app_batch('1', '2'))) or 1 / 0)

# 3. Quality control and filters from toloka-kit's docstrings: each either works or is refused.
QC = {
    'MajorityVote': lambda p: p.quality_control.add_action(
        collector=MajorityVote(answer_threshold=2, history_size=10),
        conditions=[TotalAnswersCount > 9, CorrectAnswersRate < 60],
        action=RestrictionV2(scope='PROJECT', duration=1, duration_unit=DurationUnit.DAYS)),
    'Captcha': lambda p: p.quality_control.add_action(
        collector=Captcha(history_size=5), conditions=[SuccessRate < 60, StoredResultsCount >= 3],
        action=RestrictionV2(scope='PROJECT', duration=1, duration_unit=DurationUnit.DAYS)),
    'Income': lambda p: p.quality_control.add_action(
        collector=Income(), conditions=[IncomeSumForLast24Hours > 1],
        action=RestrictionV2(scope='PROJECT', duration=1, duration_unit=DurationUnit.DAYS)),
    'UsersAssessment': lambda p: p.quality_control.add_action(
        collector=UsersAssessment(), conditions=[PoolAccessRevokedReason == PoolAccessRevokedReason.RESTRICTION],
        action=ChangeOverlap(delta=1, open_pool=True)),
    'AssignmentsAssessment.REJECT': lambda p: p.quality_control.add_action(
        collector=AssignmentsAssessment(), conditions=[AssessmentEvent == AssessmentEvent.REJECT],
        action=ChangeOverlap(delta=1, open_pool=True)),
    'AssignmentsAssessment.REJECT.restriction': lambda p: p.quality_control.add_action(
        collector=AssignmentsAssessment(), conditions=[AssessmentEvent == AssessmentEvent.REJECT],
        action=RestrictionV2(scope='POOL', duration=1, duration_unit=DurationUnit.HOURS)),
    'ApproveAllAssignments': lambda p: p.quality_control.add_action(
        collector=MajorityVote(answer_threshold=2), conditions=[CorrectAnswersRate > 90],
        action=ApproveAllAssignments()),
    'RejectAllAssignments': lambda p: p.quality_control.add_action(
        collector=MajorityVote(answer_threshold=2), conditions=[CorrectAnswersRate < 10],
        action=RejectAllAssignments(public_comment='Too many wrong answers')),
    'SetSkillFromOutputField': lambda p: p.quality_control.add_action(
        collector=MajorityVote(answer_threshold=2), conditions=[TotalAnswersCount > 2],
        action=SetSkillFromOutputField(skill_id=skill.id, from_field=RuleConditionKey.CORRECT_ANSWERS_RATE)),
    'SetSkillFromOutputField.golden': lambda p: p.quality_control.add_action(
        collector=GoldenSet(history_size=5), conditions=[GoldenSetAnswersCount >= 3],
        action=SetSkillFromOutputField(skill_id=skill.id, from_field=RuleConditionKey.CORRECT_ANSWERS_RATE)),
    'filter.UserAgentType': lambda p: setattr(p, 'filter', toloka.filter.UserAgentType == 'BROWSER'),
    'filter.Verified': lambda p: setattr(p, 'filter', toloka.filter.Verified == True),  # noqa: E712
    'filter.RegionByPhone.in_': lambda p: setattr(p, 'filter', toloka.filter.RegionByPhone.in_(225)),
}
for name, apply in QC.items():
    candidate = new_pool(project.id, name)
    apply(candidate)
    call('qc.' + name, lambda c=candidate: client.create_pool(c).id)

# Webhooks: subscribe (a second upsert of the same one changes nothing), list, delete.
hook = dict(webhook_url='http://127.0.0.1:9/hook', event_type='ASSIGNMENT_SUBMITTED', pool_id=pool.id)
subs = call('upsert_webhook_subscriptions', lambda: client.upsert_webhook_subscriptions([hook, hook]))
call('upsert_webhook_subscriptions.same', lambda: subs.items['0'].id == subs.items['1'].id or 1 / 0)
call('get_webhook_subscriptions', lambda: [w.id for w in client.get_webhook_subscriptions(pool_id=pool.id)]
     == [subs.items['0'].id] or 1 / 0)
call('delete_webhook_subscription', lambda: client.delete_webhook_subscription(subs.items['0'].id))

# 4. Work: open the pool, let the crowd answer, then read and act on the answers.
call('open_pool', lambda: client.open_pool(pool.id))
call('open_pool.suites', lambda: client.open_pool(suite_pool.id))
deadline = time.monotonic() + 180
for waited in (pool, suite_pool):
    wanted = sum(t.overlap for t in client.get_tasks(pool_id=waited.id))
    while time.monotonic() < deadline and not client.get_pool(waited.id).is_closed() and \
            len(list(client.get_assignments(pool_id=waited.id, status=['SUBMITTED', 'ACCEPTED']))) < wanted:
        time.sleep(0.5)
REPORT['pool_closed'] = client.get_pool(pool.id).is_closed()
REPORT['suite_pool_closed'] = client.get_pool(suite_pool.id).is_closed()
by_id = {t.id: t.input_values['text'] for t in client.get_tasks(pool_id=suite_pool.id)}
REPORT['issued_suites'] = [[a.status.value, sorted(by_id.get(t.id, t.input_values['text']) for t in a.tasks)]
                           for a in client.get_assignments(pool_id=suite_pool.id)]
REPORT['suite_pool_detail'] = {
    'statuses': [a.status.value for a in client.get_assignments(pool_id=suite_pool.id)],
    'tasks': [(t.input_values['text'], t.overlap) for t in client.get_tasks(pool_id=suite_pool.id)]}
assignments = list(client.get_assignments(pool_id=pool.id))
REPORT['assignments'] = len(assignments)
# the main pool is reviewed by hand: one accepted by patch, the rest by accept_assignment
call('get_assignments.status_created_gte', lambda: len(list(client.get_assignments(
    pool_id=pool.id, status=['SUBMITTED'], created_gte=datetime.datetime.utcnow() - datetime.timedelta(hours=1))))
    == len(assignments) or 1 / 0)
call('patch_assignment', lambda: client.patch_assignment(assignments[0].id, public_comment='Fine', status='ACCEPTED')
     .status == toloka.Assignment.ACCEPTED or 1 / 0)
call('accept_assignment', lambda: all(client.accept_assignment(a.id, 'Good').status == toloka.Assignment.ACCEPTED
                                      for a in assignments[1:]) or 1 / 0)
call('get_assignment', lambda: client.get_assignment(assignments[-1].id).public_comment == 'Good' or 1 / 0)
df = call('get_assignments_df', lambda: client.get_assignments_df(pool.id))
REPORT['assignments_df_rows'] = None if df is None else len(df)
first = assignments[0] if assignments else None
call('aggregate_solutions_by_task', lambda: client.aggregate_solutions_by_task(
    toloka.aggregation.WeightedDynamicOverlapTaskAggregatedSolutionRequest(
        task_id=first.tasks[0].id, pool_id=pool.id, answer_weight_skill_id=skill.id,
        fields=[toloka.aggregation.WeightedDynamicOverlapTaskAggregatedSolutionRequest.Field(name='result')]),
).task_id == first.tasks[0].id or 1 / 0)
def by_pool():
    op = client.aggregate_solutions_by_pool(type='WEIGHTED_DYNAMIC_OVERLAP', pool_id=pool.id,
                                            answer_weight_skill_id=skill.id, fields=[{'name': 'result'}])
    op = client.wait_operation(op)
    return len(client.find_aggregated_solutions(op.id).items) == len(list(client.get_tasks(pool_id=pool.id)))


call('aggregate_solutions_by_pool.weighted', lambda: by_pool() or 1 / 0)
user = first.user_id if first else '0'
call('get_user', lambda: client.get_user(user).id == user or 1 / 0)
bonus = call('create_user_bonus', lambda: client.create_user_bonus(toloka.UserBonus(
    user_id=user, amount=Decimal('0.50'), assignment_id=first.id, public_title={'EN': 'Thanks'},
    public_message={'EN': 'Good work'}, without_message=False), operation_id=None))
call('create_user_bonus.amount', lambda: float(bonus.amount) == 0.5 or 1 / 0)
call('create_user_bonuses', lambda: len(client.create_user_bonuses([toloka.UserBonus(
    user_id=user, amount=Decimal('0.10'), without_message=True)]).items) == 1 or 1 / 0)
call('get_user_bonuses', lambda: len(list(client.get_user_bonuses(user_id=user))) == 2 or 1 / 0)
call('get_user_bonus', lambda: client.get_user_bonus(bonus.id).user_id == user or 1 / 0)
thread = call('compose_message_thread', lambda: client.compose_message_thread(
    toloka.message_thread.MessageThreadCompose(recipients_select_type='DIRECT', topic={'EN': 'Hello'},
                                               text={'EN': 'Thank you'}, answerable=True, recipients_ids=[user])))
call('get_message_threads', lambda: any(t.id == thread.id for t in client.get_message_threads(folder='OUTGOING'))
     or 1 / 0)

call('reply_message_thread', lambda: [m.text for m in client.reply_message_thread(
    thread.id, toloka.message_thread.MessageThreadReply(text={'EN': 'Once more'})).messages]
    == [{'EN': 'Thank you'}, {'EN': 'Once more'}] or 1 / 0)
call('add_message_thread_to_folders', lambda: [f.value for f in client.add_message_thread_to_folders(
    thread.id, ['IMPORTANT']).folders] == ['OUTBOX', 'IMPORTANT'] or 1 / 0)
call('get_message_threads.folder', lambda: [t.id for t in client.get_message_threads(folder=['OUTBOX', 'IMPORTANT'])]
     == [thread.id] or 1 / 0)
call('remove_message_thread_from_folders', lambda: [f.value for f in client.remove_message_thread_from_folders(
    thread.id, ['IMPORTANT']).folders] == ['OUTBOX'] or 1 / 0)
call('compose_message_thread.FILTER', lambda: client.compose_message_thread(
    recipients_select_type='FILTER', topic={'EN': 'All'}, text={'EN': 'Thanks, all'}, answerable=False,
    recipients_filter=toloka.filter.Languages.in_('EN')).compose_details.recipients_ids or 1 / 0)

# Restrictions of every scope, then read, found and lifted; a skill set by hand.
SCOPES = {
    'ALL_PROJECTS': lambda: restriction.AllProjectsUserRestriction(user_id=user, private_comment='c'),
    'PROJECT': lambda: restriction.ProjectUserRestriction(user_id=user, project_id=project.id, private_comment='c'),
    'POOL': lambda: restriction.PoolUserRestriction(
        user_id=user, pool_id=pool.id, private_comment='c',
        will_expire=datetime.datetime.utcnow() + datetime.timedelta(days=1)),
    'SYSTEM': lambda: restriction.SystemUserRestriction(user_id=user, private_comment='c'),
}
for scope, make in SCOPES.items():
    call('set_user_restriction.' + scope, lambda make=make, scope=scope: client.set_user_restriction(make()).scope.value
         == scope or 1 / 0)
found = call('find_user_restrictions', lambda: client.find_user_restrictions(user_id=user, sort=['-id']).items)
call('get_user_restrictions', lambda: len(list(client.get_user_restrictions(user_id=user))) >= 4 or 1 / 0)
call('get_user_restriction', lambda: client.get_user_restriction(found[0].id).id == found[0].id or 1 / 0)
call('delete_user_restriction', lambda: ([client.delete_user_restriction(r.id) for r in found] and not list(
    client.get_user_restrictions(user_id=user))) or 1 / 0)
mine = call('set_user_skill', lambda: client.set_user_skill(skill_id=skill.id, user_id=user, value=Decimal(80)))
call('get_user_skills', lambda: [s.id for s in client.get_user_skills(user_id=user, skill_id=skill.id)]
     == [mine.id] or 1 / 0)
call('delete_user_skill', lambda: client.delete_user_skill(mine.id))

# Every pool analytic of the requester dialect, read from the main pool once its work is reviewed.
ANALYTICS = [analytics.RealTasksCountPoolAnalytics, analytics.SubmittedAssignmentsCountPoolAnalytics,
             analytics.SkippedAssignmentsCountPoolAnalytics, analytics.RejectedAssignmentsCountPoolAnalytics,
             analytics.ApprovedAssignmentsCountPoolAnalytics, analytics.CompletionPercentagePoolAnalytics,
             analytics.AvgSubmitAssignmentMillisPoolAnalytics, analytics.SpentBudgetPoolAnalytics,
             analytics.UniqueWorkersCountPoolAnalytics, analytics.UniqueSubmittersCountPoolAnalytics]


def read_analytics():
    done = client.wait_operation(client.get_analytics([kind(subject_id=pool.id) for kind in ANALYTICS]))
    more = client.wait_operation(client.get_analytics([
        analytics.ActiveWorkersByFilterCountPoolAnalytics(subject_id=pool.id, interval_hours=1),
        analytics.EstimatedAssignmentsCountPoolAnalytics(subject_id=pool.id)]))
    plain = json.loads(json.dumps(done.details['value'] + more.details['value'], default=float))  # Decimals
    return {v['request']['name']: v['result'] for v in plain}


REPORT['analytics'] = call('get_analytics', read_analytics)
# 5. The rest of the requester calls a script reaches for: reads, finds with sort, updates, the
# asynchronous variants, and a review that rejects. A project of its own, answered by one worker
# through the worker API (a crowd still about may answer some of its suites too).
HEADERS = {'Authorization': f"OAuth {os.environ['CLIPCROWD_TOKEN']}"}
URL = os.environ['CLIPCROWD_URL']
extra = client.create_project(toloka.Project(
    public_name='More', public_description='d', task_spec=project.task_spec))
extra_pool = client.create_pool(new_pool(extra.id, 'more', auto_accept_solutions=False))
call('get_projects', lambda: extra.id in [p.id for p in client.get_projects()] or 1 / 0)
call('find_projects', lambda: client.find_projects(status='ACTIVE', sort=['-id']).items[0].id == extra.id or 1 / 0)
call('update_project', lambda: client.update_project(extra.id, toloka.Project(
    public_name='More2', public_description='d', task_spec=project.task_spec)).public_name == 'More2' or 1 / 0)
call('get_requester', lambda: client.get_requester().id or 1 / 0)
extra_skill = client.create_skill(name='more-skill', hidden=True)
call('get_skill', lambda: client.get_skill(extra_skill.id).name == 'more-skill' or 1 / 0)
call('get_skills', lambda: extra_skill.id in [s.id for s in client.get_skills()] or 1 / 0)
call('find_skills', lambda: client.find_skills(name='more-skill').items[0].id == extra_skill.id or 1 / 0)
call('update_skill', lambda: client.update_skill(extra_skill.id, toloka.Skill(name='more-skill-2', hidden=True))
     .name == 'more-skill-2' or 1 / 0)
renamed = client.get_pool(extra_pool.id)
renamed.private_name = 'renamed'
call('update_pool', lambda: client.update_pool(extra_pool.id, renamed).private_name == 'renamed' or 1 / 0)
call('create_tasks_async', lambda: client.wait_operation(client.create_tasks_async(
    [toloka.Task(pool_id=extra_pool.id, input_values={'text': f'x{i}'}) for i in range(3)], allow_defaults=True))
    .status.value == 'SUCCESS' or 1 / 0)
call('get_operation_log', lambda: len(client.get_operation_log(client.wait_operation(client.create_tasks_async(
    [toloka.Task(pool_id=extra_pool.id, input_values={'text': 'y'})], allow_defaults=True)).id)) == 1 or 1 / 0)
call('find_operations', lambda: client.find_operations(type='TASK.BATCH_CREATE', sort=['-submitted']).items
     or 1 / 0)
call('get_operation', lambda: client.get_operation(client.find_operations(type='TASK.BATCH_CREATE').items[0].id).id)
extra_suites = client.create_pool(new_pool(extra.id, 'more suites'))
call('create_task_suites_async', lambda: client.wait_operation(client.create_task_suites_async([toloka.TaskSuite(
    pool_id=extra_suites.id, overlap=1, tasks=[toloka.Task(input_values={'text': 'q'})])])).status.value
    == 'SUCCESS' or 1 / 0)
call('find_task_suites', lambda: len(client.find_task_suites(pool_id=extra_suites.id, sort=['id']).items) == 1
     or 1 / 0)
extra_training = client.create_training(toloka.Training(
    project_id=extra.id, private_name='more t', may_contain_adult_content=False, assignment_max_duration_seconds=60,
    mix_tasks_in_creation_order=False, shuffle_tasks_in_task_suite=False, training_tasks_in_task_suite_count=1,
    task_suites_required_to_pass=1, retry_training_after_days=1, inherited_instructions=True))
client.create_tasks([toloka.Task(pool_id=extra_training.id, input_values={'text': 'l'}, known_solutions=[
    toloka.task.BaseTask.KnownSolution(output_values={'result': 'a'})])], allow_defaults=True)
call('find_trainings', lambda: client.find_trainings(project_id=extra.id).items[0].id == extra_training.id or 1 / 0)
for verb in ('open', 'close', 'clone', 'archive'):
    call(f'{verb}_training_async', lambda verb=verb: client.wait_operation(
        getattr(client, f'{verb}_training_async')(extra_training.id)).status.value == 'SUCCESS' or 1 / 0)
call('clone_pool_async', lambda: client.wait_operation(client.clone_pool_async(extra_pool.id)).status.value
     == 'SUCCESS' or 1 / 0)
client.open_pool(extra_pool.id)
person = requests.post(f'{URL}/api/v1/workers', json={'login': 'more-worker'}, headers=HEADERS).json()
mine = []
for _ in range(4):
    got = requests.post(f"{URL}/api/v1/worker/pools/{extra_pool.id}/next",
                        headers={'Authorization': f"OAuth {person['token']}"})
    if got.status_code != 200:
        break
    requests.post(f"{URL}/api/v1/worker/assignments/{got.json()['id']}/submit",
                  headers={'Authorization': f"OAuth {person['token']}"},
                  json={'solutions': [{'output_values': {'result': 'a'}} for _ in got.json()['tasks']]})
    mine.append(got.json()['id'])
REPORT['more_answered'] = len(mine)
call('find_assignments', lambda: set(mine) <= {a.id for a in client.find_assignments(
    pool_id=extra_pool.id, status='SUBMITTED', sort=['-id']).items} or 1 / 0)
call('reject_assignment', lambda: client.reject_assignment(mine[0], 'bad').status == toloka.Assignment.REJECTED
     or 1 / 0)
for answered in mine[1:]:
    client.accept_assignment(answered, 'ok')
call('get_aggregated_solutions', lambda: len(list(client.get_aggregated_solutions(client.wait_operation(
    client.aggregate_solutions_by_pool(type='WEIGHTED_DYNAMIC_OVERLAP', pool_id=extra_pool.id,
                                       answer_weight_skill_id=extra_skill.id, fields=[{'name': 'result'}])).id)))
     >= len(mine) - 1 or 1 / 0)
call('get_attachments', lambda: list(client.get_attachments(pool_id=extra_pool.id)) == [] or 1 / 0)
call('find_attachments', lambda: client.find_attachments(pool_id=extra_pool.id).items == [] or 1 / 0)
call('create_user_bonuses_async', lambda: client.wait_operation(client.create_user_bonuses_async([toloka.UserBonus(
    user_id=person['id'], amount=Decimal('0.10'), without_message=True)])).status.value == 'SUCCESS' or 1 / 0)
call('find_user_bonuses', lambda: len(client.find_user_bonuses(user_id=person['id'], sort=['-id']).items) == 1
     or 1 / 0)
client.set_user_skill(skill_id=extra_skill.id, user_id=person['id'], value=Decimal(50))
call('find_user_skills', lambda: len(client.find_user_skills(user_id=person['id']).items) == 1 or 1 / 0)
call('find_message_threads', lambda: client.find_message_threads(folder='OUTBOX').items or 1 / 0)
call('find_webhook_subscriptions', lambda: client.find_webhook_subscriptions(pool_id=extra_pool.id).items == []
     or 1 / 0)
call('archive_pool_async', lambda: (client.close_pool(extra_pool.id), client.wait_operation(
    client.archive_pool_async(extra_pool.id)).status.value == 'SUCCESS')[1] or 1 / 0)
spare = client.create_project(toloka.Project(public_name='Spare', public_description='d', task_spec=project.task_spec))
call('archive_project', lambda: client.archive_project(spare.id).status.value == 'ARCHIVED' or 1 / 0)
spare = client.create_project(toloka.Project(public_name='Spare', public_description='d', task_spec=project.task_spec))
call('archive_project_async', lambda: client.wait_operation(client.archive_project_async(spare.id)).status.value
     == 'SUCCESS' or 1 / 0)
print('REPORT ' + json.dumps(REPORT, default=str))
