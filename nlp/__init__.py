"""The complaint classifier: jieba words and character n-grams, a calibrated linear model, model files.

No Flask and no database here: texts and labels in, predictions and model files out.
"""
