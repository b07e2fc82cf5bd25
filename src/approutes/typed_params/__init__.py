"""Internal: typed handlers (parameters from the path, query, headers and JSON body).

Analysed once at load; handlers without such parameters never reach this package.
"""
