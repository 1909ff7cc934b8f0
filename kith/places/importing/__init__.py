"""Reading files of places (offices) for the import commands. Pure Python but for the
geocoder; writing is the services' job."""
