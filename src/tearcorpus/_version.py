#: The version of tearcorpus (PEP 440), recorded in manifests, cards and provenance.
__version__ = "0.1.0.dev0"
