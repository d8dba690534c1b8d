"""Social reach's pages: the staff's posts (``posts``) and the website widget."""
