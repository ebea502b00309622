"""Requirements in and out: read requirement documents into pending slots, write statuses back.

``sources`` reads CSV, XLSX, ReqIF, needs.json and Xray ``.feature`` exports into
``SourceRequirement`` lists; ``slots`` writes and re-imports the slots; ``export`` writes a
report's statuses in those formats, keyed by the external id.
"""
