from tests.access import Sample


def samples(world):
    public = {"allowed": lambda u: True}
    return [
        Sample("catalog:kind-detail", {"code": "water_meter"}, **public),
        Sample("catalog:version-detail", {"code": "1987"}, **public),
        Sample("jiliang_catalog_api_kind_detail", {"code": "fuel_dispenser"}, **public),
        # The impact of a catalogue change: bureaus (each sees its own region's instruments).
        Sample("catalog:version-impact", {"code": "2020"}, allowed=lambda u: u.is_bureau),
    ]
