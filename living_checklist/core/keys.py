"""Every name the checklist is configured by, in one import-free module: ini keys and their defaults,
environment variables, and where its caches live in pytest's cache folder.

The plugin (``run.settings``), the command line, the dry run and its prefetch child all read the
names from here, so none copies another's (the prefetch child and the snapshot start before
pytest is imported and must not import it).
"""

from __future__ import annotations

TBD = "TBD"  # a value not decided yet: the requirement stays pending

# -- ini keys ([tool.pytest.ini_options], or -o NAME=VALUE) --------------------------------------
INI_FEATURES = "checklist_features"
INI_SEEDS = "checklist_seeds"
INI_EVIDENCE = "checklist_evidence"
INI_ID_PATTERN = "checklist_id_pattern"
INI_REQUIRE_IDS = "checklist_require_ids"
INI_SYSTEM = "checklist_system"
INI_SYSTEM_TIMEOUT = "checklist_system_timeout"
INI_SYSTEMS = "checklist_systems"  # lines NAME = command
INI_URL = "checklist_url"
INI_SERVICE = "checklist_service"
INI_SERVICES = "checklist_services"  # lines NAME = URL, or NAME = URL | command
INI_QUALITY_MODEL = "checklist_quality_model"  # iso25010 (default) or none
INI_WAIVERS = "checklist_waivers"  # lines name: reason
INI_CONFIDENCE = "checklist_confidence"  # of a percentile budget's bound; 0: point estimates
INI_LOAD_WORKERS = "checklist_load_workers"  # Locust workers a load runs on; empty or 0: the built-in client

DEFAULT_SEEDS = "seeds"
DEFAULT_EVIDENCE = "evidence"
DEFAULT_SYSTEM_TIMEOUT = 60.0
DEFAULT_CONFIDENCE = "0.95"
DEFAULT_ID_PATTERN = r"^[A-Z][A-Z0-9]*(-[A-Z0-9]+)*-\d+$"

# -- environment variables -----------------------------------------------------------------------
ENV_PREFETCH = "LIVING_CHECKLIST_PREFETCH"  # "0": `status` parses without a prefetch child
ENV_GITHUB_SUMMARY = "GITHUB_STEP_SUMMARY"  # GitHub Actions' job summary file, appended to
ENV_ROOT = "CHECKLIST_ROOT"  # tells an install command (the install-time step) where the project is

# -- caches, under pytest's cache folder ---------------------------------------------------------
PYTEST_CACHE_DIR = ".pytest_cache"  # pytest's default cache_dir; a custom one never hits the fast path
CACHE_FOLDER = "living_checklist"  # .pytest_cache/d/living_checklist: the inventory cache
SNAPSHOT_FOLDER = ("d", CACHE_FOLDER, "status")  # `living-checklist status` snapshots
