// `SharedData` (NEUVO_SHARED_DATA or ../shared/data, never an absolute path) and the rest of the test support.
@_exported import NeuvoTestSupport
