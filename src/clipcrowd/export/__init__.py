"""clipcrowd.export: validated labels and clips out as files a training pipeline reads."""
