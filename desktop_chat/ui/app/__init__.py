"""Starting the application: the QApplication, opening files safely, the self-test and clean
termination.
"""
