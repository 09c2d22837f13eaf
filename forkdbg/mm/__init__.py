"""Guest memory: address spaces (one unicorn engine each), their areas and host backing."""
