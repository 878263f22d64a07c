"""mkdocs hooks for the hub. mkdocs loads this file by path; the work is in hub.build."""

from hub.build import (
    on_build_error,
    on_config,
    on_env,
    on_files,
    on_nav,
    on_page_content,
    on_page_markdown,
    on_post_build,
    on_post_page,
    on_pre_build,
)

__all__ = [
    "on_build_error",
    "on_config",
    "on_env",
    "on_files",
    "on_nav",
    "on_page_content",
    "on_page_markdown",
    "on_post_build",
    "on_post_page",
    "on_pre_build",
]
