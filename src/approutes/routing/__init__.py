"""Internal: the file tree becomes a compiled segment trie; paths are matched against it.

Pure data: knows nothing of HTTP bodies, headers or the user's code.
"""
