"""What the fixtures make: the password of every made user and the one catalogue item."""

PASSWORD = "correct horse battery staple"
# A valid POST /clothes body with only the required fields.
ITEM = {"name": "Linen Shirt", "category": "tops", "size": "M", "color": "White", "price": "39.90"}
