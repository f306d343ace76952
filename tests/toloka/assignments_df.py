# toloka-kit's `get_assignments_df` against clipcrowd, as a requester calls it: default parameters
# (APPROVED answers, the default fields), then every status and every field. Prints two DataFrames.
import os
import sys

import toloka.client as toloka

client = toloka.TolokaClient(os.environ['CLIPCROWD_TOKEN'], url=os.environ['CLIPCROWD_URL'])
pool_id = sys.argv[1]
default = client.get_assignments_df(pool_id)
fields = [f.value for f in toloka.assignment.GetAssignmentsTsvParameters.Field]
everything = client.get_assignments_df(pool_id, status=['APPROVED', 'SUBMITTED', 'REJECTED'], field=fields)
print('DEFAULT ' + default.to_json(orient='split'))
print('ALL ' + everything.to_json(orient='split'))
