from tests.access import Sample


def samples(world):
    public = {"allowed": lambda u: True}
    return [
        Sample("catalog:kind-detail", {"code": "water_meter"}, **public),
        Sample("catalog:version-detail", {"code": "1987"}, **public),
        Sample("jiliang_catalog_api_kind_detail", {"code": "fuel_dispenser"}, **public),
    ]
