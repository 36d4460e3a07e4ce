from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from schools import views as school_views

admin.site.site_header = "Портал ЦОС — администрирование"
admin.site.site_title = "Портал ЦОС"
admin.site.index_title = "Данные портала"

urlpatterns = [
    path("", school_views.home, name="home"),
    path("accounts/login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/password/", school_views.PasswordChangeView.as_view(), name="password_change"),
    path("accounts/password/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("accounts/lockouts/", school_views.lockout_list, name="lockout-list"),
    path("accounts/security-log/", school_views.security_log, name="security-log"),
    path("accounts/two-factor/", school_views.two_factor_overview, name="two-factor"),
    path("accounts/two-factor/setup/", school_views.two_factor_setup, name="two-factor-setup"),
    path("accounts/two-factor/verify/", school_views.two_factor_verify, name="two-factor-verify"),
    path("accounts/two-factor/recovery/", school_views.two_factor_recovery, name="two-factor-recovery"),
    path("accounts/two-factor/disable/", school_views.two_factor_disable, name="two-factor-disable"),
    path("admin/", admin.site.urls),
    path("schools/", include("schools.urls")),
    path("roadmaps/", include("indicators.urls")),
    path("rounds/", include("surveys.urls")),
    path("ratings/", include("ratings.urls")),
    path("", include("operations.urls")),
    path("", include("reports.urls")),
    path("notices/", include("surveys.notice_urls")),
]
