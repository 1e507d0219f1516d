"""Removing a directory tree that graded code built, whatever it built.

``shutil.rmtree`` recurses (a 5,000-deep tree raises RecursionError) and walks by path (a
deep tree's paths pass PATH_MAX). ``remove_tree`` walks iteratively with directory file
descriptors, never follows a symlink, opens up directories the code made unreadable, and
never raises: it returns whether the tree is gone.
"""
from __future__ import annotations

import os
import stat


def _open_dir(name: str, dir_fd: int | None) -> int:
    flags = os.O_RDONLY | os.O_DIRECTORY | getattr(os, "O_NOFOLLOW", 0)
    try:
        return os.open(name, flags, dir_fd=dir_fd)
    except PermissionError:  # a directory the code made unreadable (its writer is gone by now)
        os.chmod(name, 0o700, dir_fd=dir_fd)
        return os.open(name, flags, dir_fd=dir_fd)


def remove_tree(path: str | os.PathLike) -> bool:
    path = os.fspath(path)
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return True
    except OSError:
        return False
    if not stat.S_ISDIR(st.st_mode):
        try:
            os.unlink(path)
            return True
        except OSError:
            return False
    try:
        fd = _open_dir(path, None)
    except OSError:
        return False
    names: list[str] = []  # the way down from ``path``; ``fd`` is the directory at its end
    try:
        for _ in range(10_000_000):  # a bound, never reached by a tree that fits on a disk
            sub = None
            try:
                with os.scandir(fd) as it:
                    for entry in it:
                        try:
                            is_dir = entry.is_dir(follow_symlinks=False)
                        except OSError:
                            is_dir = False
                        if is_dir:
                            sub = entry.name
                            break
                        try:
                            os.unlink(entry.name, dir_fd=fd)
                        except FileNotFoundError:
                            pass
            except OSError:
                pass
            if sub is not None:
                try:
                    child = _open_dir(sub, fd)
                except OSError:
                    try:
                        os.rmdir(sub, dir_fd=fd)  # maybe empty after all
                        continue
                    except OSError:
                        return False
                os.close(fd)
                fd = child
                names.append(sub)
                continue
            if not names:
                break
            name = names.pop()
            parent = os.open("..", os.O_RDONLY | os.O_DIRECTORY, dir_fd=fd)
            os.close(fd)
            fd = parent
            try:
                os.rmdir(name, dir_fd=fd)
            except OSError:
                return False
    except OSError:
        return False
    finally:
        try:
            os.close(fd)
        except OSError:
            pass
    try:
        os.rmdir(path)
        return True
    except OSError:
        return False


def read_at_most(fd: int, limit: int) -> bytes:
    """Up to ``limit + 1`` bytes from ``fd``: a result longer than ``limit`` says the file grew past
    it (its size was checked before, but a file can change while it is read)."""
    chunks, size = [], 0
    while size <= limit:
        chunk = os.read(fd, limit + 1 - size)
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks)
