#!/usr/bin/env python3
"""A synthetic Service Map v4 unit file (palvelukarttaws /rest/v4/unit/) at city scale, for benchmarks.

Everything is made up except the vocabulary: service words (ontologyword) and the service tree come from the real
ontology bundled in Sources/NeuvoRegistry/Resources, districts and postal codes from helsinki_districts.json. Each
unit has two random service words (and the tree nodes that reference them), a name made of a district and the word
("Kallion uimahallit 17"), an address on a made-up street, a point near its district's centre, and a switchboard
number of the form +358 9 310 xxxxx. No person is named; no real unit is copied.

    generate.py --units 30000 [--full-descriptions] [--seed 20] > units.json

--full-descriptions gives each unit long descriptions in three languages and opening hours and contact lines
(connections), about the size of a detailed real record.
"""
import argparse
import json
import random
import sys
from pathlib import Path

RESOURCES = Path(__file__).resolve().parents[2] / "Sources" / "NeuvoRegistry" / "Resources"

FILLER = {
    "fi": "Palvelemme kaupunkilaisia arkisin ja viikonloppuisin. Tiloissa on esteetön sisäänkäynti, ja "
    "henkilökunta neuvoo tarvittaessa. Tarkista ajankohtaiset tiedot ennen käyntiä. ",
    "sv": "Vi betjänar invånarna på vardagar och veckoslut. Lokalerna har en tillgänglig ingång och personalen "
    "hjälper vid behov. Kontrollera aktuell information före besöket. ",
    "en": "We serve residents on weekdays and at weekends. The premises have a step-free entrance, and the staff "
    "help when needed. Check the latest information before your visit. ",
}
HOURS = {
    "fi": "- ma-pe 8.00-20.00\n- la 10.00-16.00\n- su suljettu\nJuhlapyhinä poikkeavat aukioloajat.",
    "sv": "- mån-fre 8.00-20.00\n- lör 10.00-16.00\n- sön stängt\nAvvikande öppettider på helgdagar.",
    "en": "- Mon-Fri 8.00-20.00\n- Sat 10.00-16.00\n- Sun closed\nDifferent opening hours on public holidays.",
}
STREETS = ["katu", "tie", "kuja", "polku", "raitti", "väylä"]
STREETS_SV = ["gatan", "vägen", "gränden", "stigen", "allén", "leden"]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--units", type=int, default=30000)
    parser.add_argument("--full-descriptions", action="store_true")
    parser.add_argument("--seed", type=int, default=20)
    parser.add_argument("--first-id", type=int, default=900000)
    args = parser.parse_args()
    rng = random.Random(args.seed)

    words = json.loads((RESOURCES / "tpr_v4_ontology_words.json").read_text())
    tree = json.loads((RESOURCES / "tpr_v4_ontology_tree.json").read_text())
    districts = json.loads((RESOURCES / "helsinki_districts.json").read_text())["districts"]
    districts = [d for d in districts if d.get("latitude") and d.get("postal_codes")]
    nodes_of_word: dict[int, list[int]] = {}
    for node in tree:
        reference = str(node.get("ontologyword_reference") or "")
        if "*" in reference:
            continue
        for part in reference.split("+"):
            if part.strip().isdigit():
                nodes_of_word.setdefault(int(part), []).append(node["id"])

    units = []
    for number in range(args.units):
        unit_id = args.first_id + number
        chosen = rng.sample(words, 2)
        district = rng.choice(districts)
        name_fi, name_sv = district["name_fi"], district.get("name_sv") or district["name_fi"]
        word = chosen[0]
        base = name_fi[:5].capitalize()
        street_fi = f"{base}{rng.choice(STREETS)} {rng.randint(1, 80)}"
        street_sv = f"{base}{rng.choice(STREETS_SV)} {rng.randint(1, 80)}"
        unit = {
            "id": unit_id,
            "name_fi": f"{name_fi} {word['ontologyword_fi']} {number}",
            "name_sv": f"{name_sv} {word.get('ontologyword_sv') or word['ontologyword_fi']} {number}",
            "name_en": f"{name_fi} {word.get('ontologyword_en') or word['ontologyword_fi']} {number}",
            "ontologyword_ids": sorted(w["id"] for w in chosen),
            "ontologytree_ids": sorted({n for w in chosen for n in nodes_of_word.get(w["id"], [])}),
            "street_address_fi": street_fi,
            "street_address_sv": street_sv,
            "street_address_en": street_fi,
            "address_zip": rng.choice(district["postal_codes"]),
            "address_city_fi": "Helsinki",
            "address_city_sv": "Helsingfors",
            "address_city_en": "Helsinki",
            "phone": f"+358 9 310 {rng.randint(10000, 99999)}",
            "www_fi": f"https://example.invalid/toimipiste/{unit_id}",
            "latitude": round(district["latitude"] + rng.uniform(-0.01, 0.01), 6),
            "longitude": round(district["longitude"] + rng.uniform(-0.02, 0.02), 6),
        }
        if args.full_descriptions:
            for language in ("fi", "sv", "en"):
                unit[f"short_desc_{language}"] = (FILLER[language] * 3).strip()
                unit[f"desc_{language}"] = (FILLER[language] * 12).strip()
            unit["connections"] = [
                {"section_type": "OPENING_HOURS", **{f"name_{lang}": HOURS[lang] for lang in ("fi", "sv", "en")}},
                {"section_type": "PHONE_OR_EMAIL", "name_fi": "Asiakaspalvelu", "name_sv": "Kundtjänst",
                 "name_en": "Customer service", "phone": unit["phone"]},
                {"section_type": "LINK", "name_fi": "Lisätietoja", "name_sv": "Mer information",
                 "name_en": "More information", "www_fi": unit["www_fi"]},
                {"section_type": "OTHER_INFO", **{f"name_{lang}": (FILLER[lang] * 4).strip()
                                                   for lang in ("fi", "sv", "en")}},
            ]
        units.append(unit)
    json.dump(units, sys.stdout, ensure_ascii=False)


if __name__ == "__main__":
    main()
