"""clipcrowd.export: labels and datasets out, as files a training pipeline or a legacy tool reads."""
