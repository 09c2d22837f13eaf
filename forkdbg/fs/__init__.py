"""The guest's file system view (rooted at one host directory), open files, pipes, /proc, /dev."""
