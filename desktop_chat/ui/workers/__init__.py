"""The only places that start threads: the reply streamer, one-off background calls, and the title
maker.
"""
