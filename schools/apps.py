from django.apps import AppConfig


class SchoolsConfig(AppConfig):
    name = "schools"
    verbose_name = "Школы и кураторы"

    def ready(self):
        # Sign-ins, failures and lockouts are only heard through these signals (Django's and django-axes').
        from axes.signals import user_locked_out
        from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed

        from . import security_log

        user_logged_in.connect(security_log.on_sign_in, dispatch_uid="security-log-sign-in")
        user_logged_out.connect(security_log.on_sign_out, dispatch_uid="security-log-sign-out")
        user_login_failed.connect(security_log.on_sign_in_failed, dispatch_uid="security-log-sign-in-failed")
        user_locked_out.connect(security_log.on_locked_out, dispatch_uid="security-log-locked-out")
