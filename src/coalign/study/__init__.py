"""The first stage of the flow: a study's design and seeds, from files into the store and back."""

from coalign.study.files import StudyBundle, load_study_file, write_study_files
from coalign.study.service import export_study, import_bundle, import_study, read_bundle

__all__ = [
    "StudyBundle",
    "export_study",
    "import_bundle",
    "import_study",
    "load_study_file",
    "read_bundle",
    "write_study_files",
]
