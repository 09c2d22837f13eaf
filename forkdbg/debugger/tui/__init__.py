"""gdb's Text User Interface: source, assembly and register windows above the command
window, in a full-screen prompt_toolkit application.

state.py holds what commands change (layout, focus, heights); windows.py builds each
window's content from the session (no terminal needed, so it is tested directly); app.py
is the terminal front-end. The commands (`tui enable`, `layout`, `focus`, ...) are in
commands/tui.py.
"""
