"""The default of every setting, and the choices of those that have a few: named constants.

``briefer.declarations`` declares each setting with these; ``Settings`` and ``BriefConfig``
(``briefer.config``) take their field defaults from here too, so a default is written once.
"""

from __future__ import annotations

from pathlib import Path

DEFAULT_ENGINE = "auto"
ENGINES = ("auto", "extractive", "openai")
DEFAULT_TOKENIZER = "o200k_base"
TOKENIZERS = ("o200k_base", "cl100k_base")
DEFAULT_MAX_TOKENS = 2000
DEFAULT_OVERLAP = 100
MIN_MAX_TOKENS = 16
DEFAULT_MAX_KEY_POINTS = 5
DEFAULT_MAX_RISKS = 10
DEFAULT_MAX_BYTES = 10 * 1024 * 1024
DEFAULT_CONNECT_TIMEOUT = 10.0
DEFAULT_READ_TIMEOUT = 30.0
DEFAULT_MAX_REDIRECTS = 5
DEFAULT_FETCH_TIMEOUT = 60.0  # seconds for a whole download, however slowly data arrives

DEFAULT_MODEL = "gpt-4o-mini"
STRUCTURED_MODES = ("auto", "json_schema", "json_object", "prompt")
DEFAULT_CONCURRENCY = 8
DEFAULT_REQUEST_TIMEOUT = 120.0
# An endpoint on this machine or a private network is most likely one model server doing one
# request at a time: parallel requests only queue there, and a reply can take minutes.
DEFAULT_LOCAL_CONCURRENCY = 1
DEFAULT_LOCAL_REQUEST_TIMEOUT = 600.0
DEFAULT_MAX_RETRIES = 4
DEFAULT_REPAIR_RETRIES = 2
DEFAULT_RETRY_BASE_DELAY = 1.0
DEFAULT_MAX_RETRY_WAIT = 60.0
DEFAULT_MAX_OUTPUT_TOKENS = 2000
DEFAULT_FUZZY_THRESHOLD = 0.9
DEFAULT_BATCH_POLL_INTERVAL = 30.0  # seconds before the first status check; then doubling
DEFAULT_BATCH_MAX_WAIT = 24 * 3600.0  # give up waiting (the batch stays, a later run resumes)
DEFAULT_BATCH_PRICE_FACTOR = 0.5  # batch tokens cost this share of the interactive price
DEFAULT_STRUCTURED_OUTPUT = "auto"
DEFAULT_REQUESTS_PER_MINUTE = 0  # no limit
DEFAULT_TOKENS_PER_MINUTE = 0  # no limit
DEFAULT_TEMPERATURE = 0.0
DEFAULT_CONSOLIDATE_ABOVE = 0  # never
DEFAULT_USE_CACHE = True

# The daily brief.
DEFAULT_TITLE = "Daily brief"
DEFAULT_OUTPUT_DIR = Path("briefs")
DEFAULT_FORMATS = ("md", "json", "html")
FORMATS = ("md", "json", "html", "pdf")
DEFAULT_PAGE_SIZE = "A4"
PAGE_SIZES = ("A4", "Letter")
DEFAULT_WINDOW_HOURS = 24.0
DEFAULT_MAX_ARTICLES = 300
DEFAULT_PER_SOURCE_LIMIT = 50
DEFAULT_MAX_STORIES = 25
DEFAULT_MAX_TOP_RISKS = 12
DEFAULT_SUMMARY_ITEMS = 5
DEFAULT_FEED_ITEMS = 10  # a feed named to `summarize`: its newest items summarized
DEFAULT_FULL_TEXT_BELOW_WORDS = 120  # fetch the page when a feed item carries less than this
DEFAULT_NEAR_DUPLICATE = 0.8  # Jaccard similarity of 5-word shingle sets (dedup)
DEFAULT_STORY_THRESHOLD = 0.2  # story score from which two articles report one event (cluster)
