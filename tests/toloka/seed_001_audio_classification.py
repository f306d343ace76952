# Seed 001 (speaker gender, golden tasks, Dawid-Skene) as a user runs it against clipcrowd: the
# notebook's code with only the client constructor changed to `url=` and the dataset built in
# place instead of downloaded. The last lines print a JSON summary for the test that drives this.
import datetime
import json
import os
import sys
import time
import logging

import pandas
import numpy as np

import toloka.client as toloka
import toloka.client.project.template_builder as tb
from crowdkit.aggregation import DawidSkene

logging.basicConfig(
    format='[%(levelname)s] %(name)s: %(message)s',
    level=logging.INFO,
    stream=sys.stdout,
)

toloka_client = toloka.TolokaClient(os.environ['CLIPCROWD_TOKEN'], url=os.environ['CLIPCROWD_URL'])
print(toloka_client.get_requester())

project = toloka.Project(
    public_name='Is it a male or female speaker?',
    public_description='Listen to the audio and determine if it is a male or female speaker.',
)

audio_viewer = tb.AudioViewV1(
    tb.InputData('path'),
    validation=tb.PlayedConditionV1(hint='you need to listen to the audio'),
)

radio_group_field = tb.ButtonRadioGroupFieldV1(
    tb.OutputData('result'),
    [
        tb.GroupFieldOption('female', 'Female'),
        tb.GroupFieldOption('male', 'Male'),
    ],
    label='Is it a male or female speaker?',
    validation=tb.RequiredConditionV1(),
)

task_width_plugin = tb.TolokaPluginV1(
    layout=tb.TolokaPluginV1.TolokaPluginLayout(
        kind='scroll',
        task_width=300,
    )
)

hot_keys_plugin = tb.HotkeysPluginV1(
    key_1=tb.SetActionV1(tb.OutputData('result'), 'female'),
    key_2=tb.SetActionV1(tb.OutputData('result'), 'male'),
)

project_interface = toloka.project.TemplateBuilderViewSpec(
    view=tb.ListViewV1([audio_viewer, radio_group_field]),
    plugins=[task_width_plugin, hot_keys_plugin],
)

input_specification = {'path': toloka.project.UrlSpec()}
output_specification = {'result': toloka.project.StringSpec()}

project.task_spec = toloka.project.task_spec.TaskSpec(
    input_spec=input_specification,
    output_spec=output_specification,
    view_spec=project_interface,
)

project.public_instructions = """Listen to the short audio clip and determine whether it is a male or female speaking."""

project = toloka_client.create_project(project)

# In the notebook this table is downloaded; here it is built in place with the same columns.
speakers = [('jenie', 'female'), ('bea', 'female'), ('sam', 'male'), ('josh', 'male')]
dataset = pandas.DataFrame([
    {'url': f'{os.environ["CLIPCROWD_MEDIA_BASE"]}/{name}_{sex}_{i:04d}.m4a', 'sex': sex}
    for i in range(33) for name, sex in speakers
][:130])
print(dataset)

dataset = dataset.sample(frac=1).reset_index(drop=True)
golden_dataset, main_dataset, _ = np.split(dataset, [20, 120], axis=0)

print(f'\ngolden_dataset - {len(golden_dataset)}')
print(f'\nmain_dataset - {len(main_dataset)}')

pool = toloka.Pool(
    project_id=project.id,
    private_name='Is it a male or female speaker',
    may_contain_adult_content=False,
    reward_per_assignment=0.01,
    will_expire=datetime.datetime.utcnow() + datetime.timedelta(days=365),
    defaults=toloka.Pool.Defaults(default_overlap_for_new_task_suites=3),
    assignment_max_duration_seconds=1200,
    filter=(
        (toloka.filter.Languages.in_('EN')) &
        (
            (toloka.filter.ClientType == 'TOLOKA_APP') |
            (toloka.filter.ClientType == 'BROWSER')
        )
    ),
)

pool.quality_control.add_action(
    collector=toloka.collectors.GoldenSet(history_size=10),
    conditions=[
        toloka.conditions.GoldenSetCorrectAnswersRate <= 80.0,
        toloka.conditions.GoldenSetAnswersCount >= 1
    ],
    action=toloka.actions.RestrictionV2(
        scope='POOL',
        duration=3,
        duration_unit='DAYS',
        private_comment='bad quality'
    )
)

pool.set_mixer_config(
    real_tasks_count=4,
    golden_tasks_count=1,
)

pool = toloka_client.create_pool(pool)

golden_tasks = [
    toloka.task.Task(
        pool_id=pool.id,
        input_values={'path': row['url']},
        known_solutions = [
            toloka.task.BaseTask.KnownSolution(
                output_values={'result': row['sex']}
            )
        ],
        infinite_overlap=True,
    )
    for _, row in golden_dataset.iterrows()
]
tasks = [
    toloka.task.Task(
        pool_id=pool.id,
        input_values={'path': row['url']},
    )
    for _, row in main_dataset.iterrows()
]
created_tasks = toloka_client.create_tasks(golden_tasks + tasks, allow_defaults=True)
print(len(created_tasks.items))

pool = toloka_client.open_pool(pool.id)
print(pool.status)

pool_id = pool.id

# The notebook polls once a minute; CLIPCROWD_SEED_POLL_MINUTES lets a test poll faster.
POLL_MINUTES = float(os.environ.get('CLIPCROWD_SEED_POLL_MINUTES', '1'))

def wait_pool_for_close(pool_id, minutes_to_wait=POLL_MINUTES):
    sleep_time = 60 * minutes_to_wait
    pool = toloka_client.get_pool(pool_id)
    while not pool.is_closed():
        op = toloka_client.get_analytics([toloka.analytics_request.CompletionPercentagePoolAnalytics(subject_id=pool.id)])
        op = toloka_client.wait_operation(op)
        percentage = op.details['value'][0]['result']['value']
        print(
            f'   {datetime.datetime.now().strftime("%H:%M:%S")}\t'
            f'Pool {pool.id} - {percentage}%'
        )
        time.sleep(sleep_time)
        pool = toloka_client.get_pool(pool.id)
    print('Pool was closed.')

wait_pool_for_close(pool_id)

answers = []

for assignment in toloka_client.get_assignments(pool_id=pool_id, status='ACCEPTED'):
    for task, solution in zip(assignment.tasks, assignment.solutions):
        if not task.known_solutions:
            answers.append([task.input_values['path'], solution.output_values['result'], assignment.user_id])

print(f'answers count: {len(answers)}')

answers_df = pandas.DataFrame(answers, columns=['task', 'label', 'worker'])
predicted_answers = DawidSkene(n_iter=20).fit_predict(answers_df)

print(predicted_answers)

truth = {row['url']: row['sex'] for _, row in main_dataset.iterrows()}
print('SUMMARY ' + json.dumps({
    'pool_id': pool_id, 'created_tasks': len(created_tasks.items), 'answers': len(answers),
    'labelled_tasks': int(predicted_answers.shape[0]),
    'accuracy': float(np.mean([predicted_answers[url] == sex for url, sex in truth.items()])),
}))
