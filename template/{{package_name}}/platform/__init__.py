"""The template's machinery: what every service of this kind shares (README.md here).

`copier update` maintains this package; your code lives beside it.
"""
