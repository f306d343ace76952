# Seed 000 (video collection) as a user runs it against clipcrowd: the notebook's code with only
# the client constructor changed to `url=` and the dataset built in place instead of downloaded.
# The last lines print a JSON summary for the test that drives this script.
import datetime
import json
import logging
import os
import sys
import time

import pandas

import toloka.client as toloka
import toloka.client.project.template_builder as tb

logging.basicConfig(
    format='[%(levelname)s] %(name)s: %(message)s',
    level=logging.INFO,
    stream=sys.stdout,
)

toloka_client = toloka.TolokaClient(os.environ['CLIPCROWD_TOKEN'], url=os.environ['CLIPCROWD_URL'])
print(toloka_client.get_requester())

new_project = toloka.Project(
    public_name='Record one 5 second video of a hand gesture',
    public_description='Make a short video of you hand moving from one given gesture to another.',
)

describe_text = """Record a 5 second video with the following requirements:\n
1. Bright & solid background. Good light.
2. Only 1 hand in the video! No other objects!
3. Show all the following gestures:\n\n"""

main_md = tb.MarkdownViewV1(
    tb.JoinHelperV1([describe_text, '# ', tb.InputData('emoji1'), ' &#10145; ', tb.InputData('emoji2'), '\n\nExample:'])
)

example_gif = tb.ImageViewV1(tb.InputData('examplegif'), max_width=300)

attention_md = tb.MarkdownViewV1("""**Attention!**
    If the video isn\'t satisfactory, the task won\'t be accepted.
    Look at the instructions with examples."""
)

video = tb.MediaFileFieldV1(
    tb.OutputData('path'),
    tb.MediaFileFieldV1.Accept(video=True),
    validation=tb.RequiredConditionV1(hint='Add a video'),
    multiple=False,
)

project_interface = toloka.project.TemplateBuilderViewSpec(
    view=tb.ListViewV1([main_md, example_gif, attention_md, video]),
    plugins=[tb.TolokaPluginV1('scroll', task_width=400)],
)

input_specification = {
    'emoji1': toloka.project.JsonSpec(),
    'emoji2': toloka.project.JsonSpec(),
    'examplegif': toloka.project.UrlSpec(),
}
output_specification = {
    'path': toloka.project.FileSpec(),
}

new_project.task_spec = toloka.project.task_spec.TaskSpec(
        input_spec=input_specification,
        output_spec=output_specification,
        view_spec=project_interface,
)

new_project.public_instructions = """Task - make one video where your hand is the actor.<br>
You will get two emojis.<br>
Make sure your face is not in the video.<br>
<br>
<h2>Video recording</h2>
<ul>
<li>Show the first emoji with your hand.</li>
<li>Move or transfer your hand to show the second emoji.</li>
</ul>
Remember, all video will be checked after uploading. Therefore, each video must satisfy the several criteria.
"""

new_project = toloka_client.create_project(new_project)

video_skill = next(toloka_client.get_skills(name='Record video of emoji'), None)
if video_skill:
    print('Detection skill already exists')
else:
    video_skill = toloka_client.create_skill(
        name='Record video of emoji',
        hidden=True,
        public_requester_description={'EN': 'Performer is record video'},
    )

new_pool = toloka.Pool(
    project_id=new_project.id,
    private_name='Record one 5 second video of a hand gesture',
    may_contain_adult_content=False,
    will_expire=datetime.datetime.utcnow() + datetime.timedelta(days=365),
    reward_per_assignment=0.03,
    auto_accept_solutions=False,
    auto_accept_period_day=1,
    assignment_max_duration_seconds=60*15,
    defaults=toloka.Pool.Defaults(default_overlap_for_new_task_suites=3),
    filter=(
        (toloka.filter.Languages.in_('EN')) &
        (toloka.filter.ClientType == 'TOLOKA_APP') &
        (
            (toloka.filter.Skill(video_skill.id) == None) |
            (toloka.filter.Skill(video_skill.id) >= 75 )
        )
    ),
)

new_pool.set_mixer_config(real_tasks_count=1)

new_pool.quality_control.add_action(
    collector=toloka.collectors.AssignmentSubmitTime(fast_submit_threshold_seconds=10),
    conditions=[toloka.conditions.FastSubmittedCount > 0],
    action=toloka.actions.RestrictionV2(
        scope=toloka.user_restriction.UserRestriction.PROJECT,
        duration=3,
        duration_unit='DAYS',
        private_comment='Fast response',
    )
)

new_pool = toloka_client.create_pool(new_pool)

# In the notebook this table is downloaded; here it is built in place with the same columns.
dataset = pandas.DataFrame({
    'emoji1': ['&#128077;', '&#9996;', '&#9995;'],
    'emoji2': ['&#128078;', '&#128076;', '&#9994;'],
    'examplegif': ['https://example.org/video_emoji/biguptobigdown.gif',
                   'https://example.org/video_emoji/peacetook.gif',
                   'https://example.org/video_emoji/palmtofist.gif'],
})
print(dataset)

tasks = [
    toloka.Task(
        pool_id=new_pool.id,
        input_values={
            'emoji1': row.emoji1,
            'emoji2': row.emoji2,
            'examplegif': row.examplegif,
        },
    )
    for row in dataset.itertuples()
]

created_tasks = toloka_client.create_tasks(tasks, allow_defaults=True)
print(len(created_tasks.items))

new_pool = toloka_client.open_pool(new_pool.id)
print(new_pool.status)

pool_id = new_pool.id
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

results_list = []

for assignment in toloka_client.get_assignments(pool_id=pool_id, status='SUBMITTED'):
    for solution in assignment.solutions:
        results_list.append(solution.output_values)
print(len(results_list))
results_iter = iter(results_list)

res = next(results_iter, None)
if res is not None:
    with open('tmp_video_file', 'w+b') as out_f:
        toloka_client.download_attachment(res['path'], out_f)
else:
    print('No more results')

print('SUMMARY ' + json.dumps({
    'pool_id': pool_id, 'created_tasks': len(created_tasks.items), 'results': len(results_list),
    'attachment_id': res['path'] if res else None,
    'video_bytes': os.path.getsize('tmp_video_file') if os.path.exists('tmp_video_file') else 0,
    'skill_id': video_skill.id,
}))
