"""Organisation, provisioning and seeding of users and offices."""
