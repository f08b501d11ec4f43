from django.urls import path

from . import views

urlpatterns = [
    path("problems/<int:pk>/recognise/", views.recognise, name="handwriting_recognise"),
    path("recognitions/<int:recognition_id>/", views.recognition, name="handwriting_recognition"),
    path("problems/<int:pk>/submit/", views.submit, name="handwriting_submit"),
]
