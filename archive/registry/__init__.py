"""The site registry: which governments to watch and how, read from YAML and validated whole (`sites`), with the
bounded YAML reader it stands on (`yamlfile`) and the bundled Zhejiang registry (`zhejiang.yaml`)."""
