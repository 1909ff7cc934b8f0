from django.apps import AppConfig


class MatrixConfig(AppConfig):
    name = "kith.matrix"
    label = "matrix"
    verbose_name = "Matrix"
