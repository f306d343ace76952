# The third pass over toloka-kit 1.2.3 against a live clipcrowd: the breadth of its object model rather
# than its calls. Every quality-control collector with each condition and action its docstring allows,
# every filter class, every webhook event type (two delivered to a receiver run here), every field a
# pool, project, training, skill or task spec serialises, read back as written (and honoured where a
# self-hosted crowd can), and every app-marketplace call refused by a clear 400. Work is answered
# through the worker API, so no crowd is needed. Each call goes through `check()`; the last line
# prints the record as JSON for the driving test.
import datetime
import http.server
import json
import os
import threading
import time
import traceback
import uuid

import attr
import requests
import toloka.client as toloka
from toloka.client import actions, app, collectors, conditions
from toloka.client import filter as flt
from toloka.client.assignment import GetAssignmentsTsvParameters
from toloka.client.exceptions import ApiError
from toloka.client.project import field_spec as spec_

URL, TOKEN = os.environ['CLIPCROWD_URL'], os.environ['CLIPCROWD_TOKEN']
client = toloka.TolokaClient(TOKEN, url=URL, retries=0)
RECORD = {}
TSV = GetAssignmentsTsvParameters.Field


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


def refused(fn, status=400, words=()):
    """True when `fn` raises toloka-kit's ApiError with this status and a message naming `words`
    (status None: a batch's operation log refused the item, which toloka-kit raises without one)."""
    try:
        fn()
    except ApiError as exc:
        said = f'{exc.message} {exc.payload}'
        return exc.status_code in (status, None) and bool(exc.message) and all(w in said for w in words)
    return False


def pool_of(project_id, name, **extra):
    extra.setdefault('defaults', toloka.Pool.Defaults(default_overlap_for_new_task_suites=1))
    extra.setdefault('may_contain_adult_content', False)
    return toloka.Pool(project_id=project_id, private_name=name,
                       reward_per_assignment=0.01, assignment_max_duration_seconds=600,
                       will_expire=datetime.datetime.utcnow() + datetime.timedelta(days=7), **extra)


class Person:
    """A worker answering through the worker API, as the web page does."""

    def __init__(self, login, **fields):
        made = requests.post(f'{URL}/api/v1/workers', json={'login': f'{login}-{uuid.uuid4().hex[:8]}', **fields},
                             headers={'Authorization': f'OAuth {TOKEN}'}).json()
        self.id, self.headers = made['id'], {'Authorization': f"OAuth {made['token']}"}

    def take(self, pool_id):
        got = requests.post(f'{URL}/api/v1/worker/pools/{pool_id}/next', headers=self.headers)
        return got.json() if got.status_code == 200 else None

    def pools(self):
        return requests.get(f'{URL}/api/v1/worker/pools', headers=self.headers).json()['items']

    def submit(self, assignment, answer='a'):
        return requests.post(f"{URL}/api/v1/worker/assignments/{assignment['id']}/submit", headers=self.headers,
                             json={'solutions': [{'output_values': {'result': answer}}
                                                 for _ in assignment['tasks']]}).status_code


class Receiver(http.server.BaseHTTPRequestHandler):
    """Webhook deliveries, kept by event type."""
    got = {}

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers['Content-Length'])))
        for event in body.get('events', []):
            Receiver.got.setdefault(event['event_type'], []).append(event)
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args):
        pass


spec = toloka.project.task_spec.TaskSpec(
    input_spec={'text': toloka.project.StringSpec()},
    output_spec={'result': toloka.project.StringSpec(allowed_values=['a', 'b'])},
    view_spec=toloka.project.ClassicViewSpec(markup='<p>{{text}}</p>'))
project = client.create_project(toloka.Project(public_name='Wide', public_description='d', task_spec=spec))
skill = client.create_skill(name='wide-skill', hidden=True)

# 1. Quality control: every collector with each condition and each action its docstring names.
RATE_KEYS = {'correct_answers_rate', 'incorrect_answers_rate', 'golden_set_correct_answers_rate',
             'golden_set_incorrect_answers_rate', 'accepted_assignments_rate', 'rejected_assignments_rate',
             'success_rate', 'fail_rate'}
CONDITION = {  # one plausible comparison per condition key
    'total_assignments_count': conditions.TotalAssignmentsCount > 2,
    'accepted_assignments_rate': conditions.AcceptedAssignmentsRate < 50,
    'rejected_assignments_rate': conditions.RejectedAssignmentsRate > 35,
    'assignments_accepted_count': conditions.AssignmentsAcceptedCount > 0,
    'pending_assignments_count': conditions.PendingAssignmentsCount > 1,
    'accepted_assignments_count': conditions.AcceptedAssignmentsCount >= 2,
    'rejected_assignments_count': conditions.RejectedAssignmentsCount > 0,
    'assessment_event': conditions.AssessmentEvent == conditions.AssessmentEvent.REJECT,
    'total_submitted_count': conditions.TotalSubmittedCount > 4,
    'fast_submitted_count': conditions.FastSubmittedCount > 3,
    'stored_results_count': conditions.StoredResultsCount >= 3,
    'success_rate': conditions.SuccessRate < 60,
    'fail_rate': conditions.FailRate > 40,
    'total_answers_count': conditions.TotalAnswersCount > 9,
    'correct_answers_rate': conditions.CorrectAnswersRate < 60,
    'incorrect_answers_rate': conditions.IncorrectAnswersRate > 40,
    'golden_set_answers_count': conditions.GoldenSetAnswersCount >= 3,
    'golden_set_correct_answers_rate': conditions.GoldenSetCorrectAnswersRate > 80,
    'golden_set_incorrect_answers_rate': conditions.GoldenSetIncorrectAnswersRate >= 20,
    'income_sum_for_last_24_hours': conditions.IncomeSumForLast24Hours > 1,
    'skipped_in_row_count': conditions.SkippedInRowCount > 3,
    'pool_access_revoked_reason': conditions.PoolAccessRevokedReason == conditions.PoolAccessRevokedReason.SKILL_CHANGE,
    'skill_id': conditions.SkillId == skill.id,
    'submitted_assignments_count': conditions.SubmittedAssignmentsCount > 1,
    'next_assignment_available': conditions.NextAssignmentAvailable == False,  # noqa: E712
}
PEOPLE_ACTIONS = {
    'RestrictionV2': lambda: actions.RestrictionV2(scope='PROJECT', duration=15, duration_unit='DAYS',
                                                  private_comment='c'),
    'ApproveAllAssignments': lambda: actions.ApproveAllAssignments(),
    'RejectAllAssignments': lambda: actions.RejectAllAssignments(public_comment='low quality'),
    'SetSkill': lambda: actions.SetSkill(skill_id=skill.id, skill_value=1),
}
TASK_ACTIONS = {'ChangeOverlap': lambda: actions.ChangeOverlap(delta=1, open_pool=True)}
COLLECTORS = {
    'AcceptanceRate': (lambda: collectors.AcceptanceRate(history_size=10), True),
    'AnswerCount': (lambda: collectors.AnswerCount(), False),
    'AssignmentsAssessment': (lambda: collectors.AssignmentsAssessment(), None),
    'AssignmentSubmitTime': (lambda: collectors.AssignmentSubmitTime(history_size=5,
                                                                     fast_submit_threshold_seconds=20), False),
    'Captcha': (lambda: collectors.Captcha(history_size=5), True),
    'GoldenSet': (lambda: collectors.GoldenSet(history_size=5), True),
    'Income': (lambda: collectors.Income(), False),
    'MajorityVote': (lambda: collectors.MajorityVote(answer_threshold=2, history_size=10), True),
    'SkippedInRowAssignments': (lambda: collectors.SkippedInRowAssignments(), False),
    'UsersAssessment': (lambda: collectors.UsersAssessment(), None),
}


def qc_pool(name, collector, conds, action):
    candidate = pool_of(project.id, name)
    candidate.quality_control.add_action(collector=collector, conditions=conds, action=action)
    made = client.create_pool(candidate)
    back = client.get_pool(made.id).quality_control.configs[0]
    return (back.collector_config.type == collector.type and back.rules[0].action.type == action.type
            and [c.key for c in back.rules[0].conditions] == [c.key for c in conds])


for cname, (make, sets_skill) in COLLECTORS.items():
    keys = sorted(k.value for k in make()._compatible_conditions)
    acts = TASK_ACTIONS if sets_skill is None else PEOPLE_ACTIONS
    first_action = next(iter(acts.values()))
    for key in keys:
        check(f'qc.{cname}.{key}', lambda key=key, make=make, a=first_action, c=cname: qc_pool(
            f'{c} {key}', make(), [CONDITION[key]], a()))
    for aname, action in acts.items():
        check(f'qc.{cname}.{aname}', lambda make=make, key=keys[0], action=action, c=cname, a=aname: qc_pool(
            f'{c} {a}', make(), [CONDITION[key]], action()))
    if sets_skill:
        for key in sorted(set(keys) & RATE_KEYS):
            check(f'qc.{cname}.SetSkillFromOutputField.{key}', lambda make=make, key=key, c=cname, k0=keys[0]: qc_pool(
                f'{c} from {key}', make(), [CONDITION[k0]],
                actions.SetSkillFromOutputField(skill_id=skill.id, from_field=key)))
for event in ('ACCEPT', 'ACCEPT_AFTER_REJECT', 'REJECT'):
    check(f'qc.AssignmentsAssessment.event.{event}', lambda event=event: qc_pool(
        f'assessment {event}', collectors.AssignmentsAssessment(),
        [conditions.AssessmentEvent == getattr(conditions.AssessmentEvent, event)],
        actions.ChangeOverlap(delta=1, open_pool=False)))
check('qc.UsersAssessment.RESTRICTION', lambda: qc_pool(
    'users restriction', collectors.UsersAssessment(),
    [conditions.PoolAccessRevokedReason == conditions.PoolAccessRevokedReason.RESTRICTION],
    actions.ChangeOverlap(delta=1, open_pool=True)))
for scope in ('POOL', 'PROJECT', 'ALL_PROJECTS'):
    for unit in ('MINUTES', 'HOURS', 'DAYS', 'PERMANENT'):
        check(f'qc.RestrictionV2.{scope}.{unit}', lambda scope=scope, unit=unit: qc_pool(
            f'restrict {scope} {unit}', collectors.SkippedInRowAssignments(), [conditions.SkippedInRowCount > 3],
            actions.RestrictionV2(scope=scope, duration=None if unit == 'PERMANENT' else 2, duration_unit=unit)))
check('qc.Restriction.v1', lambda: qc_pool(
    'restriction v1', collectors.SkippedInRowAssignments(), [conditions.SkippedInRowCount > 3],
    actions.Restriction(scope='PROJECT', duration_days=10, private_comment='c')))
for op in ('==', '!=', '<', '<=', '>', '>='):
    check(f'qc.operator.{op}', lambda op=op: qc_pool(
        f'operator {op}', collectors.SkippedInRowAssignments(),
        [eval(f'conditions.SkippedInRowCount {op} 3')], actions.SetSkill(skill_id=skill.id, skill_value=5)))
check('qc.several_rules_and_conditions', lambda: (lambda p: (
    p.quality_control.add_action(collectors.MajorityVote(answer_threshold=2),
                                 conditions=[conditions.TotalAnswersCount > 4, conditions.CorrectAnswersRate < 50],
                                 action=actions.RestrictionV2(scope='POOL', duration=1, duration_unit='HOURS')),
    p.quality_control.add_action(collectors.MajorityVote(answer_threshold=2),
                                 conditions=[conditions.TotalAnswersCount > 4, conditions.CorrectAnswersRate >= 90],
                                 action=actions.SetSkill(skill_id=skill.id, skill_value=100)),
    sum(len(c.rules) for c in client.get_pool(client.create_pool(p).id).quality_control.configs) == 2)[-1])(
    pool_of(project.id, 'rules')))
check('qc.Training.refused', lambda: (lambda p: (
    p.quality_control.add_action(collectors.Training(), conditions=[conditions.SubmittedAssignmentsCount > 1],
                                 action=actions.SetSkill(skill_id=skill.id, skill_value=1)),
    refused(lambda: client.create_pool(p), 400, ['TRAINING']) or client.create_pool(p).id is not None)[-1])(
    pool_of(project.id, 'training collector')))
check('qc.captcha_frequency', lambda: (lambda p: (
    p.set_captcha_frequency('MEDIUM'),
    client.get_pool(client.create_pool(p).id).quality_control.captcha_frequency.value == 'MEDIUM')[-1])(
    pool_of(project.id, 'captcha')))

# 2. Filters: every class, alone and combined, with every operator a class allows.
FILTERS = {
    'Languages': flt.Languages.in_('EN'),
    'Languages.not_in': flt.Languages.not_in('RU'), 'Country': flt.Country == 'GB',
    'Country.ne': flt.Country != 'US', 'Citizenship': flt.Citizenship == 'GB', 'Education': flt.Education == 'HIGH',
    'Gender': flt.Gender == 'FEMALE', 'AdultAllowed': flt.AdultAllowed == True,  # noqa: E712
    'DateOfBirth': flt.DateOfBirth < 946684800, 'City': flt.City.in_(225), 'City.not_in': flt.City.not_in(213),
    'RegionByPhone': flt.RegionByPhone.in_(225), 'RegionByIp': flt.RegionByIp.in_(225),
    'RegionByIp.not_in': flt.RegionByIp.not_in(213),
    'ClientType': flt.ClientType == 'BROWSER', 'DeviceCategory': flt.DeviceCategory == 'PERSONAL_COMPUTER',
    'OSFamily': flt.OSFamily == 'LINUX', 'OSVersion': flt.OSVersion >= 10.0, 'OSVersionMajor': flt.OSVersionMajor > 9,
    'OSVersionMinor': flt.OSVersionMinor >= 1, 'OSVersionBugfix': flt.OSVersionBugfix >= 0,
    'UserAgentType': flt.UserAgentType == 'BROWSER', 'UserAgentFamily': flt.UserAgentFamily == 'CHROME',
    'UserAgentVersion': flt.UserAgentVersion >= 80.0, 'UserAgentVersionMajor': flt.UserAgentVersionMajor >= 80,
    'UserAgentVersionMinor': flt.UserAgentVersionMinor >= 0, 'UserAgentVersionBugfix': flt.UserAgentVersionBugfix >= 0,
    'Verified': flt.Verified == True,  # noqa: E712
    'Skill': flt.Skill(skill.id) >= 50, 'Skill.None': flt.Skill(skill.id) == None,  # noqa: E711
    'Skill.ne': flt.Skill(skill.id) != 0,
    'FilterAnd': (flt.Languages.in_('EN')) & (flt.ClientType == 'BROWSER') & (flt.Skill(skill.id) > 10),
    'FilterOr': (flt.ClientType == 'BROWSER') | (flt.ClientType == 'TOLOKA_APP'),
    'nested': flt.Languages.in_('EN') & ((flt.Skill(skill.id) == None) | (flt.Skill(skill.id) >= 75)),  # noqa: E711
}
check('filter.Languages.verified.refused', lambda: refused(lambda: client.create_pool(pool_of(
    project.id, 'verified', filter=flt.Languages.in_(['EN', 'FR'], verified=True))), 400, ['filter']))
for fname, condition in FILTERS.items():
    check(f'filter.{fname}', lambda fname=fname, condition=condition: client.get_pool(client.create_pool(
        pool_of(project.id, f'filter {fname}', filter=condition)).id).filter is not None)
check('filter.message_thread', lambda: client.compose_message_thread(
    recipients_select_type='FILTER', topic={'EN': 't'}, text={'EN': 'x'}, answerable=False,
    recipients_filter=flt.FilterAnd([flt.Languages.in_('EN'), flt.ClientType == 'BROWSER'])).id is not None)

# 3. Every field a pool, project, training and skill serialises, read back as written.
full = pool_of(
    project.id, 'every field', private_comment='pc', public_description='pd', public_instructions='pi',
    auto_accept_solutions=False, auto_accept_period_day=5, priority=30, metadata={'team': ['a']},
    auto_close_after_complete_delay_seconds=600,
    assignments_issuing_config=toloka.Pool.AssignmentsIssuingConfig(issue_task_suites_in_creation_order=True),
    defaults=toloka.Pool.Defaults(default_overlap_for_new_task_suites=2, default_overlap_for_new_tasks=3),
    training_config=toloka.Pool.TrainingConfig(training_skill_ttl_days=5),
    mixer_config=toloka.pool.MixerConfig(real_tasks_count=2, golden_tasks_count=1, training_tasks_count=0,
                                         mix_tasks_in_creation_order=True, shuffle_tasks_in_task_suite=False,
                                         min_real_tasks_count=1, min_golden_tasks_count=0))
made_full = check('pool.every_field', lambda: client.create_pool(full))


def same_pool(made):
    back = client.get_pool(made.id)
    return (back.private_comment, back.public_description, back.public_instructions, back.auto_accept_period_day,
            back.priority, back.metadata, back.auto_close_after_complete_delay_seconds,
            back.assignments_issuing_config.issue_task_suites_in_creation_order,
            back.defaults.default_overlap_for_new_tasks, back.training_config.training_skill_ttl_days,
            back.mixer_config.golden_tasks_count, back.type.value) == (
        'pc', 'pd', 'pi', 5, 30, {'team': ['a']}, 600, True, 3, 5, 1, 'REGULAR')


check('pool.every_field.read_back', lambda: same_pool(made_full))
check('pool.may_contain_adult_content', lambda: client.get_pool(client.create_pool(pool_of(
    project.id, 'adult')).id).may_contain_adult_content is False)
check('pool.update.every_field', lambda: client.update_pool(made_full.id, client.get_pool(made_full.id)).priority == 30)
client.create_tasks([toloka.Task(pool_id=made_full.id, input_values={'text': 'f'})], allow_defaults=True)
check('pool.last_close_reason', lambda: (client.open_pool(made_full.id), client.close_pool(made_full.id),
                                         client.get_pool(made_full.id).last_close_reason.value == 'MANUAL')[-1])
check('pool.last_started_stopped', lambda: (lambda p: p.last_started is not None and p.last_stopped is not None)(
    client.get_pool(made_full.id)))

full_project = toloka.Project(
    public_name='Every field', public_description='pd', public_instructions='<b>do</b>', private_comment='pc',
    task_spec=spec, assignments_issuing_type='AUTOMATED', max_active_assignments_count=3, metadata={'k': ['v']},
    assignments_issuing_view_config=toloka.project.Project.AssignmentsIssuingViewConfig(
        title_template='t {{inputParams.text}}', description_template='d'),
    localization_config=toloka.project.LocalizationConfig(
        default_language='EN', additional_languages=[toloka.project.AdditionalLanguage(
            language='FR', public_name=toloka.project.AdditionalLanguage.FieldTranslation(value='Tous'),
            public_description=toloka.project.AdditionalLanguage.FieldTranslation(value='d'))]))
made_project = check('project.every_field', lambda: client.create_project(full_project))
check('project.every_field.read_back', lambda: (lambda p: (
    p.public_instructions, p.private_comment, p.max_active_assignments_count, p.metadata,
    p.assignments_issuing_view_config.title_template, p.localization_config.default_language,
    p.localization_config.additional_languages[0].public_name.value, p.status.value) == (
    '<b>do</b>', 'pc', 3, {'k': ['v']}, 't {{inputParams.text}}', 'EN', 'Tous', 'ACTIVE'))(
    client.get_project(made_project.id)))
check('project.update.localization', lambda: client.update_project(made_project.id, client.get_project(
    made_project.id)).localization_config.additional_languages[0].language == 'FR')

training = check('training.every_field', lambda: client.create_training(toloka.Training(
    project_id=project.id, private_name='every field', may_contain_adult_content=False,
    assignment_max_duration_seconds=300, mix_tasks_in_creation_order=True, shuffle_tasks_in_task_suite=True,
    training_tasks_in_task_suite_count=2, task_suites_required_to_pass=3, retry_training_after_days=2,
    inherited_instructions=False, public_instructions='learn', metadata={'m': ['1']})))
check('training.every_field.read_back', lambda: (lambda t: (
    t.mix_tasks_in_creation_order, t.shuffle_tasks_in_task_suite, t.training_tasks_in_task_suite_count,
    t.task_suites_required_to_pass, t.retry_training_after_days, t.inherited_instructions, t.public_instructions,
    t.metadata) == (True, True, 2, 3, 2, False, 'learn', {'m': ['1']}))(
    client.get_training(training.id)))
check('skill.every_field', lambda: (lambda s: (s.private_comment, s.hidden, s.skill_ttl_hours, s.training,
                                               s.public_name, s.public_requester_description) == (
    'pc', False, 48, False, {'EN': 'Public'}, {'EN': 'about'}))(client.get_skill(client.create_skill(
        name='every field', private_comment='pc', hidden=False, skill_ttl_hours=48, training=False,
        public_name={'EN': 'Public'}, public_requester_description={'EN': 'about'}).id)))

# Settings once stored and ignored: adult content goes to who accepts it; a project reads in her language.
adult = client.create_pool(pool_of(project.id, 'adult', may_contain_adult_content=True))
client.create_tasks([toloka.Task(pool_id=adult.id, input_values={'text': 'a'})], allow_defaults=True, open_pool=True)
check('pool.may_contain_adult_content.opt_in', lambda: Person('adult-yes', profile={'adult_allowed': True}).take(
    adult.id) is not None and Person('adult-unknown').take(adult.id) is None)
fr_pool = client.create_pool(pool_of(made_project.id, 'in french'))
client.create_tasks([toloka.Task(pool_id=fr_pool.id, input_values={'text': 'f'})], allow_defaults=True, open_pool=True)
check('project.localization_config.shown', lambda: [
    p['title'] for p in Person('fr', languages=['FR']).pools() if p['id'] == fr_pool.id] == ['Tous'] and [
    p['title'] for p in Person('en', languages=['EN']).pools() if p['id'] == fr_pool.id] == ['Every field'])
client.close_pool(adult.id)
client.close_pool(fr_pool.id)

# 4. Task specs: every field type and its constraints; a value of the wrong type is refused.
SPECS = {
    'b': spec_.BooleanSpec(), 's': spec_.StringSpec(min_length=1, max_length=20), 'i': spec_.IntegerSpec(
        min_value=0, max_value=10, allowed_values=[1, 2, 3]), 'f': spec_.FloatSpec(min_value=0.0, max_value=1.0),
    'u': spec_.UrlSpec(), 'file': spec_.FileSpec(required=False), 'c': spec_.CoordinatesSpec(current_location=False),
    'j': spec_.JsonSpec(), 'ab': spec_.ArrayBooleanSpec(min_size=1, max_size=3),
    'as': spec_.ArrayStringSpec(allowed_values=['x', 'y']), 'ai': spec_.ArrayIntegerSpec(max_size=5),
    'af': spec_.ArrayFloatSpec(), 'au': spec_.ArrayUrlSpec(), 'afile': spec_.ArrayFileSpec(required=False),
    'ac': spec_.ArrayCoordinatesSpec(required=False), 'aj': spec_.ArrayJsonSpec(required=False),
    'hidden': spec_.StringSpec(required=False, hidden=True),
}
typed = check('task_spec.every_type', lambda: client.create_project(toloka.Project(
    public_name='Types', public_description='d', task_spec=toloka.project.task_spec.TaskSpec(
        input_spec=SPECS, output_spec={'result': spec_.StringSpec(allowed_values=['a', 'b'])},
        view_spec=toloka.project.ClassicViewSpec(
            markup='<p>{{s}}</p>', script='exports.Task = extend(TolokaHandlebarsTask, {});', styles='p {}',
            assets=toloka.project.ClassicViewSpec.Assets(script_urls=['$TOLOKA_ASSETS/js/toloka-handlebars-templates.js']),
            settings=toloka.project.view_spec.ViewSpec.Settings(show_skip=True, show_submit=True))))))
check('task_spec.every_type.read_back', lambda: sorted(client.get_project(typed.id).task_spec.input_spec)
      == sorted(SPECS))
typed_pool = client.create_pool(pool_of(typed.id, 'typed')) if typed else None
VALUES = {'b': True, 's': 'hello', 'i': 2, 'f': 0.5, 'u': 'https://example.org/a.png',
          'c': '55.75,37.61', 'j': {'k': [1]}, 'ab': [True], 'as': ['x'], 'ai': [1, 2], 'af': [0.5],
          'au': ['https://example.org/b.png']}
check('task_spec.values', lambda: client.create_task(toloka.Task(pool_id=typed_pool.id, input_values=VALUES),
                                                   allow_defaults=True).id is not None)
for field, bad in {'i': 'two', 'i.range': 11, 'f': 'x', 'b': 'yes', 's': '', 'as': ['z'], 'ab': [],
                   'u': 'not a url', 'c': 'north'}.items():
    key = field.split('.')[0]
    check(f'task_spec.refused.{field}', lambda key=key, bad=bad: refused(lambda: client.create_task(toloka.Task(
        pool_id=typed_pool.id, input_values={**VALUES, key: bad}), allow_defaults=True), 400, [f'input_values.{key}']))
tb = toloka.project.template_builder
check('task_spec.template_builder', lambda: client.create_project(toloka.Project(
    public_name='TB', public_description='d', task_spec=toloka.project.task_spec.TaskSpec(
        input_spec={'image': spec_.UrlSpec()}, output_spec={'result': spec_.StringSpec(allowed_values=['ok', 'bad'])},
        view_spec=toloka.project.TemplateBuilderViewSpec(view=tb.ListViewV1([
            tb.ImageViewV1(tb.InputData('image'), ratio=[1, 1]),
            tb.RadioGroupFieldV1(tb.OutputData('result'), [tb.GroupFieldOption('ok', 'OK'),
                                                             tb.GroupFieldOption('bad', 'Bad')],
                                 validation=tb.RequiredConditionV1())]),
            plugins=[tb.HotkeysPluginV1(key_1=tb.SetActionV1(tb.OutputData('result'), 'ok'))])))).id is not None)

# 5. Tasks: every field of a task and a suite.
tpool = client.create_pool(pool_of(project.id, 'task fields'))
check('task.every_field', lambda: (lambda t: (t.overlap, t.infinite_overlap, t.message_on_unknown_solution,
                                              t.known_solutions[0].correctness_weight) == (2, False, 'it is a', 1.0))(
    client.get_task(client.create_task(toloka.Task(
        pool_id=tpool.id, input_values={'text': 'k'}, overlap=2, infinite_overlap=False,
        known_solutions=[toloka.task.BaseTask.KnownSolution(output_values={'result': 'a'}, correctness_weight=1.0)],
        message_on_unknown_solution='it is a', baseline_solutions=[toloka.Task.BaselineSolution(
            output_values={'result': 'a'}, confidence_weight=0.5)])).id)))
check('task.traits_or_reserved', lambda: (lambda t: client.create_task(t, allow_defaults=True).id is not None or True)(
    toloka.Task(pool_id=tpool.id, input_values={'text': 'r'}, traits_all_of=['x'])) if not refused(
    lambda: client.create_task(toloka.Task(pool_id=tpool.id, input_values={'text': 'r'}, traits_all_of=['x']),
                               allow_defaults=True), 400, ['traits_all_of']) else True)
check('task_suite.every_field', lambda: (lambda s: (s.overlap, s.issuing_order_override, len(s.tasks)) == (
    2, 5, 2))(client.get_task_suite(client.create_task_suite(toloka.TaskSuite(
        pool_id=tpool.id, overlap=2, issuing_order_override=5, mixed=False,
        tasks=[toloka.Task(input_values={'text': 'x1'}), toloka.Task(input_values={'text': 'x2'})])).id)))
check('get_tasks.created_range', lambda: len(list(client.get_tasks(
    pool_id=tpool.id, created_gte=datetime.datetime.utcnow() - datetime.timedelta(hours=1),
    created_lt=datetime.datetime.utcnow() + datetime.timedelta(hours=1)))) >= 1)

# 6. Webhooks: every event type subscribes; two of them delivered to a receiver run here.
server = http.server.ThreadingHTTPServer(('127.0.0.1', 0), Receiver)
threading.Thread(target=server.serve_forever, daemon=True).start()
hook_url = f'http://127.0.0.1:{server.server_address[1]}/hook'
dyn = pool_of(project.id, 'hooks', defaults=toloka.Pool.Defaults(default_overlap_for_new_task_suites=1))
dyn.dynamic_overlap_config = toloka.pool.DynamicOverlapConfig(
    type='BASIC', max_overlap=3, min_confidence=0.5, answer_weight_skill_id=skill.id,
    fields=[toloka.pool.DynamicOverlapConfig.Field(name='result')])
dyn = client.create_pool(dyn)
EVENTS = [e.value for e in toloka.webhook_subscription.WebhookSubscription.EventType]
subs = check('webhook.every_event', lambda: client.upsert_webhook_subscriptions([
    dict(webhook_url=hook_url, event_type=e, pool_id=dyn.id, secret_key='s') for e in EVENTS]))
check('webhook.every_event.items', lambda: sorted(s.event_type.value for s in subs.items.values()) == sorted(EVENTS)
      and not subs.validation_errors)
check('webhook.find.event_type', lambda: [s.event_type.value for s in client.get_webhook_subscriptions(
    pool_id=dyn.id, event_type='ASSIGNMENT_CREATED')] == ['ASSIGNMENT_CREATED'])
check('webhook.bad_event.refused', lambda: refused(lambda: client.upsert_webhook_subscriptions([
    dict(webhook_url=hook_url, event_type='NOT_AN_EVENT', pool_id=dyn.id)]), 400, ['event_type']) or (
    lambda r: bool(r.validation_errors))(client.upsert_webhook_subscriptions([
        dict(webhook_url=hook_url, event_type='NOT_AN_EVENT', pool_id=dyn.id)])))
client.create_tasks([toloka.Task(pool_id=dyn.id, input_values={'text': 'h'})], allow_defaults=True)
client.open_pool(dyn.id)
worker = Person('hook')
taken = worker.take(dyn.id)
submitted = worker.submit(taken) if taken else None
deadline = time.monotonic() + 30
while time.monotonic() < deadline and not {'ASSIGNMENT_CREATED', 'ASSIGNMENT_SUBMITTED',
                                           'DYNAMIC_OVERLAP_COMPLETED'} <= set(Receiver.got):
    time.sleep(0.3)
check('webhook.delivered.ASSIGNMENT_CREATED', lambda: Receiver.got['ASSIGNMENT_CREATED'][0]['assignment_id']
      == taken['id'])
check('webhook.delivered.ASSIGNMENT_SUBMITTED', lambda: Receiver.got['ASSIGNMENT_SUBMITTED'][0]['assignment_id']
      == taken['id'])
check('webhook.delivered.DYNAMIC_OVERLAP_COMPLETED', lambda: Receiver.got['DYNAMIC_OVERLAP_COMPLETED'][0]['pool_id']
      == dyn.id and 'task_id' in Receiver.got['DYNAMIC_OVERLAP_COMPLETED'][0])
check('webhook.delivered_count', lambda: client.get_webhook_subscription(next(
    s.id for s in subs.items.values() if s.event_type.value == 'ASSIGNMENT_CREATED')) is not None)
server.shutdown()

# 7. Assignments and operations read every way a script filters them.
check('get_assignments.every_filter', lambda: [a.id for a in client.get_assignments(
    pool_id=dyn.id, status=['SUBMITTED', 'ACCEPTED'], user_id=worker.id, task_suite_id=taken['task_suite_id'],
    created_gte=datetime.datetime.utcnow() - datetime.timedelta(hours=1), sort=['-created', 'id'])] == [taken['id']]
    if taken and 'task_suite_id' in taken else bool(list(client.get_assignments(pool_id=dyn.id, user_id=worker.id))))
check('get_assignments_df.fields', lambda: len(client.get_assignments_df(
    dyn.id, status=['SUBMITTED', 'APPROVED'], start_time_from=datetime.datetime.utcnow() - datetime.timedelta(hours=1),
    field=[TSV.ASSIGNMENT_ID, TSV.WORKER_ID, TSV.STATUS])) >= 1)
check('find_operations.type_and_range', lambda: client.find_operations(
    type='POOL.OPEN', submitted_gte=datetime.datetime.utcnow() - datetime.timedelta(hours=1), sort=['-submitted'],
    limit=5).items is not None)
check('get_user.worker', lambda: client.get_user(worker.id).id == worker.id)

# 8. Every search filter and sort key toloka-kit serialises, on every find_* (one small page each).
HOUR_AGO = datetime.datetime.utcnow() - datetime.timedelta(hours=1)
agg = client.wait_operation(client.aggregate_solutions_by_pool(
    type='WEIGHTED_DYNAMIC_OVERLAP', pool_id=dyn.id, answer_weight_skill_id=skill.id, fields=[{'name': 'result'}]))
some_task = next(iter(client.get_tasks(pool_id=dyn.id)))
SEARCHES = {  # find method -> (its request class, its sort class, the arguments it always takes)
    'find_projects': ('ProjectSearchRequest', 'ProjectSortItems', {}),
    'find_pools': ('PoolSearchRequest', 'PoolSortItems', {}),
    'find_trainings': ('TrainingSearchRequest', 'TrainingSortItems', {}),
    'find_skills': ('SkillSearchRequest', 'SkillSortItems', {}),
    'find_tasks': ('TaskSearchRequest', 'TaskSortItems', {'pool_id': dyn.id}),
    'find_task_suites': ('TaskSuiteSearchRequest', 'TaskSuiteSortItems', {'pool_id': dyn.id}),
    'find_assignments': ('AssignmentSearchRequest', 'AssignmentSortItems', {'pool_id': dyn.id}),
    'find_aggregated_solutions': ('AggregatedSolutionSearchRequest', 'AggregatedSolutionSortItems', {}),
    'find_attachments': ('AttachmentSearchRequest', 'AttachmentSortItems', {}),
    'find_user_bonuses': ('UserBonusSearchRequest', 'UserBonusSortItems', {}),
    'find_user_restrictions': ('UserRestrictionSearchRequest', 'UserRestrictionSortItems', {}),
    'find_user_skills': ('UserSkillSearchRequest', 'UserSkillSortItems', {}),
    'find_message_threads': ('MessageThreadSearchRequest', 'MessageThreadSortItems', {}),
    'find_operations': ('OperationSearchRequest', 'OperationSortItems', {}),
    'find_webhook_subscriptions': ('WebhookSubscriptionSearchRequest', 'WebhookSubscriptionSortItems', {}),
}
STATUS = {'find_projects': 'ACTIVE', 'find_pools': 'OPEN', 'find_trainings': 'OPEN', 'find_assignments': 'SUBMITTED',
          'find_operations': 'SUCCESS'}
IDS = {'pool_id': dyn.id, 'project_id': project.id, 'user_id': worker.id, 'task_id': some_task.id,
       'skill_id': skill.id, 'assignment_id': taken['id'] if taken else '1',
       'task_suite_id': taken.get('task_suite_id', '1') if taken else '1'}
OTHER = {'name': 'x', 'private_comment': 'c', 'type': 'POOL.OPEN', 'event_type': 'ASSIGNMENT_CREATED', 'scope': 'POOL',
         'folder': 'INBOX', 'folder_ne': 'IMPORTANT', 'overlap': 1}
#: filters toloka-kit has that clipcrowd refuses by name (no companies or owners on a self-hosted server)
REFUSED_FILTERS = {('find_attachments', 'owner_id'), ('find_attachments', 'owner_company_id')}


def filter_value(method, field):
    base = field.rsplit('_', 1)[0] if field.split('_')[-1] in ('lt', 'lte', 'gt', 'gte') else field
    if field == 'status':
        return STATUS[method]
    if field == 'type' and method == 'find_attachments':
        return 'ASSIGNMENT_ATTACHMENT'
    if base in ('id', 'task_id'):
        return IDS.get(base, '000000000001') if base == field else '000000000001'
    if base == 'overlap':
        return 1
    if field in IDS:
        return IDS[field]
    if field in OTHER:
        return OTHER[field]
    return HOUR_AGO  # created, submitted, accepted, ... finished, modified, last_started


def find(method, **given):
    extra = dict(SEARCHES[method][2])
    args = (agg.id,) if method == 'find_aggregated_solutions' else ()
    return getattr(client, method)(*args, **extra, **given)


for method, (request_name, sort_name, always) in SEARCHES.items():
    request_class = getattr(toloka.search_requests, request_name)
    for field in (a.name for a in attr.fields(request_class) if a.name != '_unexpected' and a.name not in always):
        if (method, field) in REFUSED_FILTERS:
            check(f'find.{method}.{field}.refused', lambda method=method, field=field: refused(
                lambda: find(method, **{field: '1'}, limit=1), 400, [field]))
            continue
        check(f'find.{method}.{field}', lambda method=method, field=field: find(
            method, **{field: filter_value(method, field)}, limit=1).items is not None)
    for key in (f.value for f in getattr(toloka.search_requests, sort_name).SortItem.SortField):
        for order in ('', '-'):
            check(f'sort.{method}.{order}{key}', lambda method=method, key=key, order=order: find(
                method, sort=[f'{order}{key}'], limit=2).items is not None)

# 9. The app marketplace, which a self-hosted server does not offer: every call a clear 400 naming it.
APPS = {
    'archive_app_batch': lambda: client.archive_app_batch('1', '2'),
    'archive_app_project': lambda: client.archive_app_project('1'),
    'create_app_batch': lambda: client.create_app_batch('1', app.AppBatchCreateRequest(items=[{'text': 'x'}])),
    'create_app_item': lambda: client.create_app_item('1', app.AppItem(batch_id='2', input_data={'text': 'x'})),
    'create_app_items': lambda: client.create_app_items('1', app.AppItemsCreateRequest(
        batch_id='2', items=[{'text': 'x'}])),
    'create_app_project': lambda: client.create_app_project(app.AppProject(app_id='1', name='n', parameters={})),
    'find_app_batches': lambda: client.find_app_batches('1'),
    'find_app_items': lambda: client.find_app_items('1'),
    'find_app_projects': lambda: client.find_app_projects(),
    'find_apps': lambda: client.find_apps(),
    'get_app': lambda: client.get_app('1'),
    'get_app_batch': lambda: client.get_app_batch('1', '2'),
    'get_app_batches': lambda: list(client.get_app_batches('1')),
    'get_app_item': lambda: client.get_app_item('1', '3'),
    'get_app_items': lambda: list(client.get_app_items('1')),
    'get_app_project': lambda: client.get_app_project('1'),
    'get_app_projects': lambda: list(client.get_app_projects()),
    'get_apps': lambda: list(client.get_apps()),
    'patch_app_batch': lambda: client.patch_app_batch('1', '2', app.AppBatchPatch(name='n')),
    'resume_app_batch': lambda: client.resume_app_batch('1', '2'),
    'start_app_batch': lambda: client.start_app_batch('1', '2'),
    'start_sync_batch_processing': lambda: client.start_sync_batch_processing('1', app.SyncBatchCreateRequest(
        items=[{'text': 'x'}])),
    'stop_app_batch': lambda: client.stop_app_batch('1', '2'),
    'unarchive_app_batch': lambda: client.unarchive_app_batch('1', '2'),
    'unarchive_app_project': lambda: client.unarchive_app_project('1'),
}
for name, call in APPS.items():
    check(f'apps.{name}', lambda call=call: refused(call, 400, ['app marketplace']))

RECORD['events_seen'] = sorted(Receiver.got)
RECORD['cpu_seconds'] = time.process_time()
print('RECORD ' + json.dumps(RECORD))
