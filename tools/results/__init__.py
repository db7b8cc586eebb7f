"""The typed contract: every result the assistant produces, as one pydantic model each.

One package, one module per area (`base`: the conventions and shared value types; `design`,
`knowledge`, `literature`, `experiments`, `suggestions`, `training`, `conversations`); import the names from here.

A result is built once where it is made (the tools layer) and passed whole to every
consumer: the CLI (`--json`, tables, CSV), the LangChain tools (the model reads the
compact form; the full result is the message's artifact), the graph state, batch files,
the experiment log, the server and the tests. Each model has three forms:

- `to_json()`: the JSON form the README documents (keys unchanged; `--json` prints it);
- `compact()`: what an LLM reads (every number an answer may quote, big records trimmed);
- `csv_row()`: one flat row for CSV files (where a table is natural).

Conventions (README, "JSON conventions"): a composition is `{element: at.%}`; temperatures
are `Tg`, `Tx`, `Tl` in kelvin; derived features use their short names; a predicted value
is an `Estimate` `{"mean", "std"}` (one standard deviation). Values are rounded where the
result is made, so the forms only arrange them.
"""

from __future__ import annotations

from alloygan.tools.results.base import (  # noqa: F401
    RESULT_MODELS,
    SHOWN_PROPERTIES,
    TEMPERATURE_LIKE,
    Estimate,
    FlatResult,
    Result,
    SourceRef,
    SparseResult,
    frame,
    rounded,
)
from alloygan.tools.results.conversations import Conversation  # noqa: F401
from alloygan.tools.results.design import (  # noqa: F401
    CANDIDATE_CSV_COLUMNS,
    DESIGN_UNITS,
    ESTIMATE_COLUMNS,
    NEAREST_SHOWN,
    PREDICTION_CSV_COLUMNS,
    PREDICTION_UNITS,
    Candidate,
    DesignAnswer,
    DesignStats,
    Domain,
    GoalParse,
    NearestKnown,
    PredictedAlloy,
    Prediction,
    PredictionError,
    Predictions,
    TargetCondition,
)
from alloygan.tools.results.experiments import (  # noqa: F401
    MEASURED,
    BestSoFar,
    Experiment,
    ExperimentCheck,
    ExperimentRound,
    ExperimentsReport,
    LoggedSuggestions,
    Measurement,
    PropertyAccuracy,
    PropertyCheck,
)
from alloygan.tools.results.suggestions import (  # noqa: F401
    Incumbent,
    NextExperiments,
    ObjectiveUsed,
    SuggestedExperiment,
)
from alloygan.tools.results.knowledge import (  # noqa: F401
    MAX_LISTED,
    AlloyDescription,
    AlloyDescriptions,
    AlloyQueryResult,
    ImportedRowIssue,
    KnowledgeBaseStats,
    KnownAlloy,
    QuarantineEntry,
    ResultList,
    SourceCount,
    SourceEntry,
    SourceRemoval,
    TableExport,
    TableImport,
)
from alloygan.tools.results.literature import (  # noqa: F401
    MAX_PASSAGE_CHARS,
    MAX_QUOTE_CHARS,
    CommittedCount,
    Discovery,
    DownloadFailure,
    ExtractedDocument,
    ExtractedRecord,
    Extraction,
    IndexedDocument,
    IngestedFile,
    Ingestion,
    IngestTotals,
    LiteratureHit,
    LiteratureSearch,
    PaperCandidate,
)
from alloygan.tools.results.training import (  # noqa: F401
    ForwardModelTraining,
    GeneratorTraining,
    TrainingReport,
)
