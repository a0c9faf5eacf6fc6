"""Default settings of the sandbox (also shown by ``python -m procountor_sandbox --help``).

The credentials are public test values: the sandbox is a local test double, never a
place for real Procountor secrets.
"""

CLIENT_ID = "sandbox-client"
CLIENT_SECRET = "sandbox-secret"
API_KEY = "sandbox-api-key"
REDIRECT_URI = "http://localhost/callback"

HOST = "127.0.0.1"
PORT = 8899
# Procountor's access tokens live one hour (api-notes 2.1).
TOKEN_LIFETIME = 3600

# Limits of the real API (api-notes 3 and 4.9).
DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 200
MAX_BATCH_IDS = 200
MAX_ATTACHMENT_BYTES = 10_000_000
# Whole multipart request bodies above this are refused before parsing (file limit plus
# room for the meta part and the multipart framing).
MAX_REQUEST_BYTES = MAX_ATTACHMENT_BYTES + 1_000_000

# The journal of API calls keeps only the newest entries.
JOURNAL_LIMIT = 5000
