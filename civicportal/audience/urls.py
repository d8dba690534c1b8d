app_name = "audience"

urlpatterns: list = []
