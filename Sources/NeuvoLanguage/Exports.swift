// `Language` lives in NeuvoCore, the shared vocabulary; every module that imports the language engine sees it.
@_exported import NeuvoCore
